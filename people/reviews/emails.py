"""Review requests by email: each message carries a new private link, made where it is sent.

Sending runs in the background (people/tasks.py): the request that asks only queues.
The link's token is made here, in the worker, and exists nowhere else but in the
message: the queue holds review ids, the database the link's hash.
"""

import logging
import smtplib

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from people.reviews.answers import credit_lines_of
from people.reviews.links import link_url, new_link
from people.reviews.models import Review, ReviewLink

logger = logging.getLogger(__name__)


def review_email(review, credits, url, link, *, reminder=False, connection=None):
    """The message asking `review`'s person to check `credits` (their CreditLines) at `url`."""
    context = {
        "person": review.person,
        "project": review.project,
        "credits": credits,
        "url": url,
        "expires_at": link.expires_at,
        "reminder": reminder,
    }
    subject = " ".join(render_to_string("people/email/review_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject,
        render_to_string("people/email/review.txt", context),
        to=[review.person.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("people/email/review.html", context), "text/html")
    return message


def smtp_refusal(error):
    """What the mail server said, e.g. "550 5.1.1 No such user", or what went wrong."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
    elif isinstance(error, smtplib.SMTPResponseException):
        code, text = error.smtp_code, error.smtp_error
    else:
        return (str(error) or type(error).__name__)[:500]
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return f"{code} {text}"[:500]


def claim(review_ids):
    """The reviews of `review_ids` whose email is still queued, now marked as being sent.

    A task run twice, or two workers, never send one request twice.
    """
    with transaction.atomic():
        # Only the reviews' rows: the default ordering joins the project and the person,
        # whose locks would make other workers skip reviews of the same project.
        claimed = list(
            Review.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=review_ids, email_status=Review.Email.QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Review.objects.filter(pk__in=claimed).update(email_status=Review.Email.SENDING)
    return list(Review.objects.filter(pk__in=claimed).select_related("person", "project"))


def send_review_emails(review_ids, site_url, *, reminder=False):
    """Email each queued review of `review_ids` a new link; return counts sent and failed.

    The batch is read, and its links written, in a few queries; one connection to
    the mail server sends it. A refusal (an address the server does not accept) is
    recorded on its review, and the others go on. What was sent is recorded at the
    end of the batch, even when it stops early.
    """
    reviews = claim(review_ids)
    credits = {}
    for project in {review.project for review in reviews}:
        people = [review.person_id for review in reviews if review.project == project]
        credits[project.pk] = credit_lines_of(people, project)
    links = {review.pk: new_link(review) for review in reviews}
    # Saved before sending, so that a link works as soon as its message arrives.
    ReviewLink.objects.bulk_create(link for link, _token in links.values())
    connection = get_connection()
    try:
        for review in reviews:
            link, token = links[review.pk]
            message = review_email(
                review,
                credits[review.project_id].get(review.person_id, []),
                link_url(site_url, token),
                link,
                reminder=reminder,
                connection=connection,
            )
            send(review, message, connection)
    finally:
        connection.close()
        record(reviews, links)
    failed = sum(review.email_status == Review.Email.FAILED for review in reviews)
    return {"sent": len(reviews) - failed, "failed": failed}


def send(review, message, connection):
    """Send `message`, and set on `review` whether it went."""
    try:
        if not review.person.email:
            raise ValueError("The person has no email address any more.")
        # Opened once for the batch; open() does nothing on an open connection.
        connection.open()
        connection.send_messages([message])
    except (smtplib.SMTPException, OSError, ValueError) as error:
        review.email_status = Review.Email.FAILED
        review.email_error = smtp_refusal(error)
        # Neither the address nor the link: the admin shows the first to those allowed.
        logger.warning("Review email for review #%s not sent: %s", review.pk, type(error).__name__)
        if not isinstance(error, smtplib.SMTPRecipientsRefused):
            # The connection may be broken: the next message opens a new one.
            connection.close()
        return
    review.email_status = Review.Email.SENT
    review.email_error = ""
    review.emailed_at = timezone.now()


def record(reviews, links):
    """Save what became of each review's email; the links never delivered go."""
    done = [review for review in reviews if review.email_status != Review.Email.SENDING]
    Review.objects.bulk_update(done, ["email_status", "email_error", "emailed_at"])
    undelivered = [
        links[review.pk][0].pk for review in reviews if review.email_status != Review.Email.SENT
    ]
    ReviewLink.objects.filter(pk__in=undelivered).delete()
