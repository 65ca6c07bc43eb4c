"""Review requests by email: each message carries a new private link, made where it is sent.

Sending runs in the background (people/tasks.py): the request that asks only queues.
The link's token is made here, in the worker, and exists nowhere else but in the
message: the queue holds review ids, the database the link's hash.
"""

import logging
import smtplib

from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import timezone

from people.reviews.answers import credit_lines
from people.reviews.links import link_url, new_link
from people.reviews.models import Review

logger = logging.getLogger(__name__)


def review_email(review, url, link, *, reminder=False, connection=None):
    """The message asking `review`'s person to review their credits at `url`."""
    context = {
        "person": review.person,
        "project": review.project,
        "credits": credit_lines(review.person, review.project),
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
        return str(error) or type(error).__name__
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return f"{code} {text}"[:500]


def claim(review_id):
    """The review, if its email is still queued (then marked as being sent), else None.

    A task run twice, or two workers, never send one request twice.
    """
    queued = Review.objects.filter(pk=review_id, email_status=Review.Email.QUEUED)
    if not queued.update(email_status=Review.Email.SENDING):
        return None
    return Review.objects.select_related("person", "project").get(pk=review_id)


def send_review_emails(review_ids, site_url, *, reminder=False):
    """Email each queued review of `review_ids` a new link; return counts sent and failed.

    One connection serves the batch. A refusal (an address the server does not
    accept) is recorded on its review, and the others go on.
    """
    connection = get_connection()
    sent = failed = 0
    try:
        for review_id in review_ids:
            review = claim(review_id)
            if review is None:
                continue
            if send_one(review, site_url, reminder, connection):
                sent += 1
            else:
                failed += 1
    finally:
        connection.close()
    return {"sent": sent, "failed": failed}


def send_one(review, site_url, reminder, connection):
    link, token = new_link(review)
    link.save()
    try:
        if not review.person.email:
            raise ValueError("The person has no email address any more.")
        message = review_email(
            review, link_url(site_url, token), link, reminder=reminder, connection=connection
        )
        # Opened once for the batch; open() does nothing on an open connection.
        connection.open()
        connection.send_messages([message])
    except (smtplib.SMTPException, OSError, ValueError) as error:
        # The link was never delivered: it goes.
        link.delete()
        review.email_status = Review.Email.FAILED
        review.email_error = smtp_refusal(error)
        review.save(update_fields=["email_status", "email_error"])
        # Neither the address nor the link: the admin shows the first to those allowed.
        logger.warning("Review email for review #%s not sent: %s", review.pk, type(error).__name__)
        if not isinstance(error, smtplib.SMTPRecipientsRefused):
            # The connection may be broken: the next message opens a new one.
            connection.close()
        return False
    review.email_status = Review.Email.SENT
    review.email_error = ""
    review.emailed_at = timezone.now()
    review.save(update_fields=["email_status", "email_error", "emailed_at"])
    return True
