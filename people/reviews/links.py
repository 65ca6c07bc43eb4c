"""Private review links: signed, unguessable, stored only as a hash, expiring and revocable.

A link's token is 32 random bytes signed with the site's secret key. The signature
turns away a forged or damaged link without a query; the hash (SHA-256) is how the
database finds the link, so a copy of the database opens no review. Wrong, expired
and revoked links are answered alike, with nothing that says whose they were.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.signing import BadSignature, Signer
from django.urls import reverse
from django.utils import timezone

from people.reviews.models import ReviewLink

SALT = "people.reviews.link"


def signer():
    # "." is not in the URL-safe base64 alphabet of the random part or the signature.
    return Signer(salt=SALT, sep=".")


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(review):
    """Return an unsaved link to `review` and its token: the only time the token exists."""
    token = signer().sign(secrets.token_urlsafe(32))
    now = timezone.now()
    link = ReviewLink(
        review=review,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=settings.REVIEW_LINK_DAYS),
    )
    return link, token


def link_url(site_url, token):
    return site_url + reverse("people:review-link", kwargs={"token": token})


def find_link(token):
    """The live link whose token is `token`, with its review, person and project; else None."""
    try:
        signer().unsign(token)
    except BadSignature:
        return None
    return (
        ReviewLink.objects.live()
        .select_related("review__person", "review__project")
        .filter(token_hash=token_hash(token))
        .first()
    )


def revoke_links(reviews):
    """Revoke every live link to `reviews` (a queryset); return how many were revoked."""
    return ReviewLink.objects.live().filter(review__in=reviews).update(revoked_at=timezone.now())
