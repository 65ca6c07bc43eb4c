"""Template tags of the admin's review screens."""

from django import template

from people.admin_reviews import queue_url
from people.reviews.decisions import review_counts

register = template.Library()


@register.inclusion_tag("admin/people/review/summary.html", takes_context=True)
def review_summary(context, project):
    """How the reviews of `project` stand, for its change page."""
    return {
        "project": project,
        "counts": review_counts(project),
        "queue_url": queue_url(project),
        "can_ask": context["request"].user.has_perm("people.add_review"),
    }
