"""Settings for the Credits site, read from CREDITS_* environment variables.

Every variable is documented in README.md. Debug is off unless CREDITS_DEBUG=1;
with debug off, serving requires CREDITS_SECRET_KEY. `make run` sets CREDITS_DEBUG=1.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    return os.environ.get(f"CREDITS_{name}", default)


def env_bool(name, default=False):
    value = env(name, "1" if default else "0").strip().lower()
    return value in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

# Without a key and with debug off, the site refuses to start serving
# (creditsite/startup.py); commands that sign nothing, such as makemigrations,
# still run, and Django refuses any use of the empty key.
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-local-development-key-never-used-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "people.sites.CreditsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "import_export",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "people",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that reads the session or the form into a query.
    "creditsite.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes wants to be last, to see the outcome of every sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "creditsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "creditsite.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_PREFIX", "credits"),
            # A Redis host that is down must not hold requests for the system's
            # default of minutes: the site renders pages afresh meanwhile.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "credits",
        }
    }
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", str(60 * 60 * 24)))

# Credits import and export (people/resources.py). Each of import and export needs
# its own permission (people.import_credit, people.export_person, ...), which the
# Editors group has; without these settings any staff user could do both.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
# An upload waits for its confirmation in the database, which every worker shares.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "people.spreadsheet.storage.DatabaseUploadStorage"
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
# The longest a web request waits for a project that another transaction (an import,
# a publication) has locked, before saying so instead of hanging.
WEB_LOCK_WAIT_SECONDS = float(env("WEB_LOCK_WAIT_SECONDS", "3"))
# No upload is stored past IMPORT_MAX_BYTES (creditsite/uploads.py), then Django's own.
FILE_UPLOAD_HANDLERS = [
    "creditsite.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
IMPORT_UPLOAD_EXPIRY = int(env("IMPORT_UPLOAD_EXPIRY", str(60 * 60 * 24)))
# An admin import of this many rows or more (about 1 MB) is previewed and written by
# background tasks (see people/import_tasks.py), so that no request outlives the web
# worker's timeout; a smaller file's preview and write each take a few seconds at most.
IMPORT_BACKGROUND_ROWS = int(env("IMPORT_BACKGROUND_ROWS", "20000"))

# Background work (review emails) through the Django tasks API. "database" queues
# tasks in PostgreSQL for `manage.py db_worker` processes, on any number of machines;
# "immediate" runs them at once in the process that asks, for `make run`.
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = env("TASKS", "immediate" if DEBUG else "database")
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"CREDITS_TASKS must be one of {', '.join(TASK_BACKENDS)}, not {TASKS_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}

# Email goes out by SMTP, except in local development without a mail server, where
# the console shows it.
EMAIL_HOST = env("EMAIL_HOST", "localhost")
if env("EMAIL_HOST") or not DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
# A mail server that stops answering must not hold a worker for the system's default.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = env("EMAIL_FROM", "credits@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Review by the people credited (people/reviews/). The address links in emails start
# with; empty: the address the editor who asks uses for the admin.
SITE_URL = env("SITE_URL").rstrip("/")
REVIEW_LINK_DAYS = int(env("REVIEW_LINK_DAYS", "30"))
REVIEW_RATE_LIMIT = int(env("REVIEW_RATE_LIMIT", "30"))

AUTHENTICATION_BACKENDS = [
    # Axes first, so that a locked-out sign-in is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Security defaults. The HTTPS-only ones are on unless explicitly turned off for a
# plain-HTTP setup (CREDITS_HTTPS=0), so production is safe by default.
HTTPS = env_bool("HTTPS", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Our pages carry no inline scripts or styles, so the policy allows files from
# this site only; anything injected into a page cannot run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Admin sign-in throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords
# for one username from one address, that pair is refused for the cool-off time,
# even with the right password; after LOGIN_ADDRESS_FAILURE_LIMIT wrong passwords
# from one address, whatever the usernames (password spraying), that address is.
# Attempts are kept in the database, so every app server sees them.
AXES_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(env("LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOGIN_COOLOFF_MINUTES", "15")))
# In this order: creditsite.lockout reads the address's count, then the pair's.
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_HANDLER = "creditsite.lockout.AddressAndUsernameHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"


def forwarded_client_address(request):
    """The address the load balancer saw: the last X-Forwarded-For entry, which it appended."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    return forwarded or request.META.get("REMOTE_ADDR")


if env_bool("BEHIND_PROXY"):
    # Behind a load balancer every request comes from its address; without this a
    # lock-out would hold a username for everyone.
    AXES_CLIENT_IP_CALLABLE = forwarded_client_address
# No start-up banner on every manage.py command.
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Django logs the address of a request that fails (and runserver of every one):
    # a review link's secret part is cut out of every line first.
    "filters": {"review_links": {"()": "creditsite.logs.RedactReviewLinks"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["review_links"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # Django gives these loggers handlers of its own, which would print unfiltered.
    "loggers": {
        name: {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO"), "propagate": False}
        for name in ["django", "django.server"]
    },
}
