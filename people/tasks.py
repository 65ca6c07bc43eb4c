"""Background work, run by `manage.py db_worker` (or at once under CREDITS_TASKS=immediate)."""

from django_tasks import task

from people.reviews import emails


@task()
def send_review_emails(review_ids, site_url, reminder=False):
    """Email the people of `review_ids` (queued reviews) a link to their review."""
    return emails.send_review_emails(review_ids, site_url, reminder=reminder)
