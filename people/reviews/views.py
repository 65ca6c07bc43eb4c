"""The review page: through their private link, a person checks and corrects their credits.

No account: the link opens the review. Its address holds the token, so it only
records the link in the visitor's session and redirects to the review's own
address, which holds none: the token is in one request only, never in a referrer,
and cut out of the logs (creditsite/logs.py).
"""

import time
from functools import wraps

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods
from redis.exceptions import RedisError

from people.naming import Choice, current_choice
from people.reviews.answers import choose_naming, confirm, credit_lines, propose, sorts_as
from people.reviews.forms import CorrectionsForm, NamingForm
from people.reviews.links import find_link
from people.reviews.models import ReviewLink

# In the session: {review id: id of the link that opened it}.
SESSION_KEY = "review_links"


def private(view):
    """Every response of `view` is never cached or indexed, and gives no referrer (unless the
    view chose a policy of its own)."""

    @wraps(view)
    def private_view(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True, no_store=True)
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return private_view


NAMING_DONE = {
    Choice.NAMED: "Done: you are named on this page as shown above.",
    Choice.NOT_NAMED: "Done: this page no longer names you. Where you are credited, it counts "
    "you instead (“and 1 other”). This applies at once, also to the versions already published.",
    Choice.NEVER_LISTED: "Done: no page on this site names you any more, and your own page "
    "is taken down. This applies at once, also to the versions already published.",
}
NAMING_UNCHANGED = "Nothing changed: this was already your choice."


def rate_limited(request):
    """Whether the visitor's address made more than REVIEW_RATE_LIMIT requests this minute.

    Counted in the cache, which every process shares when REDIS_URL is set; the
    address is the one the admin sign-in throttle uses (django-axes).
    """
    minute = int(time.time() // 60)
    key = f"review-rate:{get_client_ip_address(request)}:{minute}"
    try:
        cache.add(key, 0, timeout=120)
        return cache.incr(key) > settings.REVIEW_RATE_LIMIT
    except (RedisError, ValueError):
        # The cache is down, or evicted the count: let the visitor through.
        return False


def too_many_requests(request):
    response = render(request, "people/review/too_many_requests.html", status=429)
    response.headers["Retry-After"] = "60"
    return response


def link_not_valid(request):
    # One page for every link that does not open a review: wrong, damaged, expired,
    # revoked, or for a person or project since deleted.
    return render(request, "people/review/link_not_valid.html", status=404)


@private
@require_GET
def review_link(request, token):
    if rate_limited(request):
        return too_many_requests(request)
    link = find_link(token)
    if link is None:
        return link_not_valid(request)
    # A new session key: one set in the visitor's browser by someone else opens nothing.
    request.session.cycle_key()
    opened = request.session.get(SESSION_KEY, {})
    opened[str(link.review_id)] = link.pk
    request.session[SESSION_KEY] = opened
    return redirect("people:review", pk=link.review_id)


def opened_link(request, review_id):
    """The live link this session opened the review with, or None."""
    link_id = request.session.get(SESSION_KEY, {}).get(str(review_id))
    if link_id is None:
        return None
    return (
        ReviewLink.objects.live()
        .select_related("review__person", "review__project")
        .filter(pk=link_id, review_id=review_id)
        .first()
    )


@private
@require_http_methods(["GET", "POST"])
def review(request, pk):
    if rate_limited(request):
        return too_many_requests(request)
    link = opened_link(request, pk)
    if link is None:
        return link_not_valid(request)
    review = link.review
    credits = credit_lines(review.person, review.project)
    aliases = list(review.person.aliases.all())
    form = CorrectionsForm(review.person, credits, aliases=aliases)
    naming = current_choice(review.person, review.project)
    naming_form = NamingForm(initial={"naming": naming})
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "confirm":
        confirm(review)
        messages.success(request, "Thank you: you confirmed that your credits are right.")
        return redirect("people:review", pk=review.pk)
    if action == "naming":
        naming_form = NamingForm(data=request.POST)
        if naming_form.is_valid():
            choice = Choice(naming_form.cleaned_data["naming"])
            changed = choose_naming(review, choice)
            messages.success(request, NAMING_DONE[choice] if changed else NAMING_UNCHANGED)
            return redirect("people:review", pk=review.pk)
    elif request.method == "POST":
        form = CorrectionsForm(review.person, credits, data=request.POST, aliases=aliases)
        if form.is_valid():
            changes = form.changes()
            if changes:
                propose(review, changes)
                messages.success(
                    request, "Thank you: the editors have your corrections and will decide."
                )
                return redirect("people:review", pk=review.pk)
            form.add_error(
                None, "You changed nothing. If everything is right, choose “This is right”."
            )
    context = {
        "review": review,
        "person": review.person,
        "project": review.project,
        "credits": credits,
        "public_aliases": [alias for alias in aliases if alias.is_public],
        "sorts_as": sorts_as(review.person),
        "proposals": list(review.proposals.all()),
        "expires_at": link.expires_at,
        "form": form,
        "naming": naming,
        "naming_form": naming_form,
    }
    response = render(request, "people/review/review.html", context)
    # The page's forms post to itself. Under "no-referrer" a browser sends them with
    # "Origin: null", which Django's CSRF check refuses; "same-origin" still sends no
    # referrer to any other site, and this address holds no secret.
    response.headers["Referrer-Policy"] = "same-origin"
    return response
