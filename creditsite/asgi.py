"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditsite.settings")

application = get_asgi_application()

from creditsite.startup import require_secret_key  # noqa: E402 - needs Django set up.

require_secret_key()
