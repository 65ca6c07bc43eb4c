from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_secret_key():
    """Refuse to serve without a secret key: sessions and CSRF tokens would be forgeable."""
    try:
        settings.SECRET_KEY  # noqa: B018 - Django refuses an empty key on access.
    except ImproperlyConfigured:
        raise ImproperlyConfigured(
            "CREDITS_SECRET_KEY must be set when CREDITS_DEBUG is off "
            "(set CREDITS_DEBUG=1 for local development)."
        ) from None
