"""Logging that never writes a review link's secret part (people/reviews/links.py)."""

import logging
import re

# The path of a review link: /review/link/<token>/ (people/urls.py).
REVIEW_LINK = re.compile(r"/review/link/[^/\s?#\"']+")
REDACTED = "/review/link/[redacted]"


def redact_review_links(text):
    """`text` with the token of every review link in it replaced by "[redacted]"."""
    return REVIEW_LINK.sub(REDACTED, text)


class RedactReviewLinks(logging.Filter):
    """Cut review links out of a log record's message (such as Django's "Not Found: <path>")."""

    def filter(self, record):
        message = record.getMessage()
        redacted = redact_review_links(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
