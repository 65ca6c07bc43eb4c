"""Asking people to review their credits, and reminding those who have not answered."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from people.models import Person
from people.reviews.links import link_url, new_link
from people.reviews.models import Review, ReviewLink
from people.tasks import send_review_emails

# Reviews per queued task: a task sends its batch over one connection to the mail
# server, and several workers share the batches.
EMAIL_BATCH = 50


@dataclass(frozen=True)
class CopyLink:
    """A link for the editor to pass on to a person without an email address."""

    person: Person
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class Asked:
    """What asking did: emails queued, links to copy (shown once: only their hash is kept)."""

    emailed: int
    links: list[CopyLink]
    asked_again: int


def ask(project, people, *, user, site_url, by_email=True):
    """Ask `people` to review their credits on `project`; return what was done.

    Each person gets a review (kept if they were asked before: asking again makes it
    pending again) and a new private link: by email in the background for those with
    an address (when `by_email`), to copy from the admin for the others.
    """
    people = list(people)
    now = timezone.now()
    with transaction.atomic():
        existing = {
            review.person_id: review
            for review in Review.objects.filter(project=project, person__in=people)
        }
        new, again = [], []
        for person in people:
            review = existing.get(person.pk) or Review(project=project, person=person)
            review.project, review.person = project, person
            review.status = Review.Status.PENDING
            review.asked_at, review.asked_by = now, user
            emailed = by_email and bool(person.email)
            review.email_status = Review.Email.QUEUED if emailed else Review.Email.NONE
            review.email_error = ""
            (again if review.pk else new).append(review)
        Review.objects.bulk_create(new)
        Review.objects.bulk_update(
            again, ["status", "asked_at", "asked_by", "email_status", "email_error"]
        )
        reviews = new + again
        links = []
        copied = []
        for review in reviews:
            if review.email_status != Review.Email.QUEUED:
                link, token = new_link(review)
                links.append(link)
                copied.append(CopyLink(review.person, link_url(site_url, token), link.expires_at))
        ReviewLink.objects.bulk_create(links)
        # Queued in the transaction: with the database queue, the tasks exist if and
        # only if the reviews they send do.
        queue_emails(
            [review.pk for review in reviews if review.email_status == Review.Email.QUEUED],
            site_url,
        )
        if user is not None:
            LogEntry.objects.log_actions(user.pk, new, ADDITION, "Asked for review.")
            LogEntry.objects.log_actions(user.pk, again, CHANGE, "Asked again for review.")
    return Asked(emailed=len(reviews) - len(copied), links=copied, asked_again=len(again))


def queue_emails(review_ids, site_url, *, reminder=False):
    for start in range(0, len(review_ids), EMAIL_BATCH):
        send_review_emails.enqueue(
            review_ids[start : start + EMAIL_BATCH], site_url, reminder=reminder
        )


def remind(days, site_url):
    """Queue a reminder to each person asked at least `days` ago who has not answered.

    Idempotent within a period: a review reminded less than `days` ago is not
    reminded again, however often this runs. Only reviews whose last email was
    delivered are reminded (a refused address stays refused). Returns how many.
    """
    now = timezone.now()
    cutoff = now - timedelta(days=days)
    with transaction.atomic():
        due = (
            Review.objects.select_for_update(skip_locked=True, of=["self"])
            .filter(
                status=Review.Status.PENDING, asked_at__lte=cutoff, email_status=Review.Email.SENT
            )
            .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff))
            .exclude(person__email="")
            .order_by("pk")
        )
        review_ids = list(due.values_list("pk", flat=True))
        Review.objects.filter(pk__in=review_ids).update(
            reminded_at=now, email_status=Review.Email.QUEUED, email_error=""
        )
        queue_emails(review_ids, site_url, reminder=True)
    return len(review_ids)
