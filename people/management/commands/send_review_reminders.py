from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from people.reviews.asking import remind


class Command(BaseCommand):
    help = (
        "Queue a reminder email to each person asked to review their credits at least DAYS "
        "ago who has not answered, unless reminded in the last DAYS days: run it from cron "
        "as often as you like. The worker (manage.py db_worker) sends them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, required=True, help="days without an answer, and between reminders"
        )
        parser.add_argument(
            "--site-url",
            default=settings.SITE_URL,
            help="the site's address the links start with (default: CREDITS_SITE_URL)",
        )

    def handle(self, *args, days, site_url, **options):
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        if not site_url:
            raise CommandError(
                "The emails link to the site: set CREDITS_SITE_URL (or --site-url), "
                "e.g. https://credits.example.org."
            )
        queued = remind(days, site_url.rstrip("/"))
        self.stdout.write(f"Queued {queued} reminder(s).")
