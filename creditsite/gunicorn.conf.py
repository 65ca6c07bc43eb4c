"""gunicorn settings for `make serve` and production, read from CREDITS_* variables.

Run: gunicorn creditsite.wsgi -c creditsite/gunicorn.conf.py
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from creditsite.logs import redact_review_links

bind = os.environ.get("CREDITS_BIND", "127.0.0.1:8000")
# Pages are rendered from the cache or the database, never waiting on other
# services for long, so plain processes scale with the cores.
# Without Redis each process has its own page cache, and an edit would only
# refresh the pages of the process that saved it: one process then.
default_workers = multiprocessing.cpu_count() * 2 + 1 if os.environ.get("REDIS_URL") else 1
workers = int(os.environ.get("CREDITS_WORKERS", default_workers))
timeout = int(os.environ.get("CREDITS_WORKER_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then so that a slow leak cannot grow without bound.
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"


class RedactingLogger(Logger):
    """gunicorn's logger, with the secret part of review links cut out of the access log."""

    def atoms(self, resp, req, environ, request_time):
        # Logger.atoms() gives the values the access log line is formatted from
        # (request line, path, referrer, headers…); each string is redacted.
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: redact_review_links(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


logger_class = RedactingLogger
# Several servers (or tests) on one machine must not share one control socket.
control_socket_disable = True

# Behind a load balancer, trust its X-Forwarded-* headers (the settings then
# trust X-Forwarded-Proto too).
if os.environ.get("CREDITS_BEHIND_PROXY", "").lower() in {"1", "true", "yes", "on"}:
    forwarded_allow_ips = os.environ.get("CREDITS_PROXY_IPS", "*")
