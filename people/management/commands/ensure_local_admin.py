import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

PASSWORD_FILE = settings.BASE_DIR / ".local-admin-password"


class Command(BaseCommand):
    help = (
        "Create a superuser 'admin' for local use, with a random password kept in "
        ".local-admin-password, and print how to sign in. Refused with debug off."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "ensure_local_admin is for local development (CREDITS_DEBUG=1). "
                "In production use: python manage.py createsuperuser"
            )
        if PASSWORD_FILE.exists():
            password = PASSWORD_FILE.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            PASSWORD_FILE.write_text(password + "\n")
            PASSWORD_FILE.chmod(0o600)

        user, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.is_staff = user.is_superuser = user.is_active = True
            user.save()

        self.stdout.write(
            self.style.SUCCESS(
                "Sign into http://127.0.0.1:8000/admin/ as "
                f"username 'admin', password '{password}' (kept in {PASSWORD_FILE.name})."
            )
        )
