"""The rule "publish only when everyone has answered, or after a date", per project.

With the rule on (Project.wait_for_reviews) and before its date (Project.publish_after),
publishing a new version waits for everyone credited on the draft: people asked who
have not answered, and people never asked, who cannot have answered either. The
editor sees who they are and may publish anyway (people/versions.py).
"""

from dataclasses import dataclass

from people.models import Credit, Person, Project
from people.reviews.models import Review

# People named in a warning, per kind; the others are counted.
LISTED = 100


def credited_people(project):
    """The people with a credit on `project`."""
    credits = Credit.objects.in_projects([project])
    return Person.objects.filter(pk__in=credits.values("person_id"))


def not_yet_asked(project):
    """The people credited on `project` who were never asked to review it."""
    return credited_people(project).exclude(reviews__project=project)


@dataclass(frozen=True)
class Waiting:
    """The people a project's publication waits for: asked but silent, and never asked."""

    project: Project
    pending: list[Review]  # the first LISTED, with their person
    pending_count: int
    not_asked: list[Person]  # the first LISTED
    not_asked_count: int

    @property
    def count(self):
        return self.pending_count + self.not_asked_count

    @property
    def more_pending(self):
        return self.pending_count - len(self.pending)

    @property
    def more_not_asked(self):
        return self.not_asked_count - len(self.not_asked)

    def rule(self):
        """The project's rule, as the warning states it."""
        rule = "publish only when everyone credited has answered their review"
        until = self.project.publish_after
        return rule if until is None else f"{rule}, or from {until:%-d %B %Y} on"

    def __str__(self):
        """'3 people have not answered (Ada Lovelace, …); 1 was never asked (Mark Chen).'"""
        parts = []
        if self.pending_count:
            names = [review.person.name for review in self.pending]
            parts.append(
                f"{_people(self.pending_count)} not answered ({_names(names, self.more_pending)})"
            )
        if self.not_asked_count:
            names = [person.name for person in self.not_asked]
            was = "was" if self.not_asked_count == 1 else "were"
            parts.append(
                f"{self.not_asked_count} {was} never asked ({_names(names, self.more_not_asked)})"
            )
        return "; ".join(parts)


def _people(count):
    return "1 person has" if count == 1 else f"{count:,} people have"


def _names(names, more):
    return ", ".join(names) + (f" and {more:,} more" if more else "")


def waiting_for(project, today=None):
    """Whom publishing `project` on `today` waits for, or None when it waits for nobody."""
    if not project.waits_for_reviews(today):
        return None
    pending = Review.objects.filter(
        project=project, status=Review.Status.PENDING, person__in=credited_people(project)
    )
    pending_count = pending.count()
    not_asked = not_yet_asked(project)
    not_asked_count = not_asked.count()
    if not pending_count and not not_asked_count:
        return None
    return Waiting(
        project=project,
        pending=list(
            pending.select_related("person").order_by("person__sort_key", "person_id")[:LISTED]
        ),
        pending_count=pending_count,
        not_asked=list(not_asked.order_by("sort_key", "pk")[:LISTED]),
        not_asked_count=not_asked_count,
    )
