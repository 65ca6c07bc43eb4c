"""Review by the people credited: who was asked, their private links, what they proposed.

Imported at the end of people/models.py, whose app they belong to.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from people.models import Alias, Credit, Person, Project, describe_parent


class Review(models.Model):
    """A person asked to review their credits on one project, and how they answered."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        CONFIRMED = "confirmed", "confirmed"
        CHANGES_PROPOSED = "changes_proposed", "changes proposed"
        DECLINED = "declined", "declined to be named"

    class Email(models.TextChoices):
        NONE = "", "not emailed"
        QUEUED = "queued", "queued"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reviews")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reviews")
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        help_text="Pending until the person answers: they confirm, propose changes, or "
        "decline to be named (which stays their answer while they are not named).",
    )
    asked_at = models.DateTimeField(default=timezone.now, help_text="When last asked.")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last reminder was queued."
    )
    email_status = models.CharField(
        "email", max_length=10, choices=Email.choices, blank=True, default=Email.NONE
    )
    email_error = models.CharField(
        max_length=500, blank=True, help_text="What the mail server answered when it refused."
    )
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last email was accepted by the mail server."
    )

    class Meta:
        ordering = ["project", "person__sort_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "person"], name="unique_review"),
        ]

    def __str__(self):
        project = describe_parent(self, "project")
        return f"{describe_parent(self, 'person')}'s review of {project}"


class ReviewLinkQuerySet(models.QuerySet):
    def live(self):
        """Links that open their review: neither expired nor revoked."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ReviewLink(models.Model):
    """A private link to a review (people/reviews/links.py).

    Only a hash of the link is stored: the link itself exists in the email sent, or
    on the admin page that showed it once, so the database alone opens no review.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ReviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        until = f" until {self.expires_at:%Y-%m-%d}" if self.expires_at else ""
        return f"link to {describe_parent(self, 'review')}{until}"


class Proposal(models.Model):
    """A correction a person proposed in their review, and what the editors decided."""

    class Kind(models.TextChoices):
        # The first four are the Person fields of the same name.
        NAME = "name", "name"
        SORT_NAME = "sort_name", "sort name"
        ORCID = "orcid", "ORCID iD"
        HOMEPAGE = "homepage", "homepage"
        TITLE = "title", "title of a credit"
        NOT_MINE = "not_mine", "did not work on this"
        MISSING = "missing", "missing credit"
        NOTE = "note", "note to the editors"
        # About one of the person's other spellings (Alias.is_public); `value` is the spelling.
        ALIAS_PUBLIC = "alias_public", "show a spelling publicly"
        ALIAS_PRIVATE = "alias_private", "keep a spelling private"

    class Status(models.TextChoices):
        PENDING = "pending", "to decide"
        ACCEPTED = "accepted", "accepted"
        REJECTED = "rejected", "rejected"

    class Replacement(models.TextChoices):
        NONE = "", "from the next published version"
        KEEP = "keep", "everywhere, the former name kept privately"
        DROP = "drop", "everywhere, the former name not kept"

    PERSON_FIELDS = [Kind.NAME, Kind.SORT_NAME, Kind.ORCID, Kind.HOMEPAGE]
    CREDIT_KINDS = [Kind.TITLE, Kind.NOT_MINE]
    ALIAS_KINDS = [Kind.ALIAS_PUBLIC, Kind.ALIAS_PRIVATE]

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    credit = models.ForeignKey(
        Credit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        help_text="The credit a title or “did not work on this” is about.",
    )
    credit_text = models.CharField(
        max_length=700, blank=True, help_text="The credit as it read when proposed."
    )
    alias = models.ForeignKey(
        Alias,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        help_text="The other spelling to show publicly or keep private.",
    )
    old_value = models.TextField(blank=True, help_text="The value when proposed.")
    value = models.TextField(blank=True)
    replacement = models.CharField(
        max_length=4,
        choices=Replacement.choices,
        blank=True,
        default=Replacement.NONE,
        help_text="For a name: whether it replaces the former one everywhere, pages already "
        "published included (people/renaming.py), and whether the former name is kept "
        "privately, for imports to match.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True, help_text="Why it was rejected; the person sees it.")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["review", "created_at", "id"]
        constraints = [
            # A new proposal for the same thing replaces the one still to decide.
            models.UniqueConstraint(
                fields=["review", "kind"],
                condition=Q(status="pending", kind__in=["name", "sort_name", "orcid", "homepage"]),
                name="unique_pending_person_proposal",
            ),
            models.UniqueConstraint(
                fields=["review", "kind", "credit"],
                condition=Q(status="pending", credit__isnull=False),
                name="unique_pending_credit_proposal",
            ),
            # Public or private: one decision pending per other spelling.
            models.UniqueConstraint(
                fields=["review", "alias"],
                condition=Q(status="pending", alias__isnull=False),
                name="unique_pending_alias_proposal",
            ),
            models.CheckConstraint(
                condition=Q(replacement="") | Q(kind="name"),
                name="check_replacement_is_of_a_name",
                violation_error_message="Only a name replaces a former one everywhere.",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="check_rejection_has_reason",
                violation_error_message="Say why the proposal is rejected: the person sees it.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} proposed in {describe_parent(self, 'review')}"

    @property
    def is_about_alias(self):
        return self.kind in self.ALIAS_KINDS


class MergedReview(models.Model):
    """A review a merge moved to the kept person, or folded into theirs, as its undo puts it back.

    Reviews have no history: people/reviews/merging.py records here what the merge
    did to each one, and the undo of the merge reads it (then deletes it).
    """

    change_set = models.ForeignKey(
        "people.ChangeSet", on_delete=models.CASCADE, related_name="merged_reviews"
    )
    # Ids, not foreign keys: a folded review and the merged people are deleted.
    review_id = models.BigIntegerField(help_text="The review moved, or folded and deleted.")
    person_id = models.BigIntegerField(help_text="Whose review it was before the merge.")
    folded_into_id = models.BigIntegerField(
        null=True, blank=True, help_text="The review it was folded into; empty: moved whole."
    )
    saved = models.TextField(
        blank=True,
        help_text="A folded review and the proposals dropped with it, as Django serializes them.",
    )
    proposal_ids = models.JSONField(
        default=list, blank=True, help_text="The folded review's proposals, moved."
    )
    link_ids = models.JSONField(
        default=list, blank=True, help_text="The folded review's links, moved."
    )

    class Meta:
        ordering = ["change_set", "id"]

    def __str__(self):
        return f"review #{self.review_id} in {describe_parent(self, 'change_set')}"
