"""The editors' side of a review: proposals accepted or rejected, and the counts per project."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import Truncator

from people.models import Alias, Credit, Person, ProjectBusy
from people.renaming import REASON, NameReplacement, RenameError, replace_name
from people.reviews.models import Proposal, Review
from people.reviews.waiting import not_yet_asked


class DecisionError(Exception):
    """A proposal that cannot be accepted as it stands; the message says why."""


# What accepting each kind needs beyond deciding reviews: the admin edit it stands for.
PERMISSIONS = {
    **{kind: "people.change_person" for kind in Proposal.PERSON_FIELDS},
    Proposal.Kind.TITLE: "people.change_credit",
    Proposal.Kind.NOT_MINE: "people.delete_credit",
    **{kind: "people.change_alias" for kind in Proposal.ALIAS_KINDS},
}


def accept(proposal, user, *, replacement=None, old_name=None):
    """Apply `proposal` as an admin edit would, and record it as accepted; return the object
    changed (None for a note or a missing credit, which editors act on themselves).

    The change is validated as the admin validates it (full_clean) and recorded in the
    history with the editor and the reason "Accepted from <person>'s review". A name
    that replaces the former one everywhere is given by people/renaming.py, as "Replace
    name" gives it: `replacement` (a NameReplacement) may say how the new name sorts,
    and `old_name` is the name the editor saw.
    """
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update(of=["self"])
            .select_related("review__person")
            .get(pk=proposal.pk)
        )
        if proposal.status != Proposal.Status.PENDING:
            raise DecisionError("This proposal was already decided.")
        if proposal.replacement:
            changed = _replace_name(proposal, user, replacement, old_name)
        else:
            reason = Truncator(f"Accepted from {proposal.review.person.name}'s review").chars(100)
            changed = _apply(proposal, user, reason)
        proposal.status = Proposal.Status.ACCEPTED
        proposal.decided_at = timezone.now()
        proposal.decided_by = user
        proposal.save(update_fields=["status", "decided_at", "decided_by"])
        return changed


def _apply(proposal, user, reason):
    if proposal.kind in (Proposal.Kind.MISSING, Proposal.Kind.NOTE):
        return None
    if proposal.kind in Proposal.PERSON_FIELDS:
        changed = Person.objects.select_for_update().get(pk=proposal.review.person_id)
        setattr(changed, proposal.kind, proposal.value)
    elif proposal.kind in Proposal.ALIAS_KINDS:
        changed = (
            Alias.objects.select_for_update()
            .filter(pk=proposal.alias_id, person=proposal.review.person_id)
            .first()
        )
        if changed is None:
            raise DecisionError(
                "This other spelling no longer exists: reject the proposal, saying what "
                "became of it."
            )
        changed.is_public = proposal.kind == Proposal.Kind.ALIAS_PUBLIC
    else:
        changed = (
            Credit.objects.select_for_update(of=("self",)).filter(pk=proposal.credit_id).first()
        )
        if changed is None:
            raise DecisionError(
                "This credit no longer exists: reject the proposal, saying what became of it."
            )
        if proposal.kind == Proposal.Kind.NOT_MINE:
            _record(changed, user, reason).delete()
            return changed
        changed.title = proposal.value
    try:
        changed.full_clean()
    except ValidationError as error:
        raise DecisionError(" ".join(error.messages)) from error
    _record(changed, user, reason).save()
    return changed


def _replace_name(proposal, user, replacement, old_name):
    """Give the person the name they proposed everywhere, keeping the former one as they chose."""
    person = proposal.review.person
    keeps = proposal.replacement == Proposal.Replacement.KEEP
    replacement = replacement or NameReplacement(proposal.value, keeps_old_name=keeps)
    if (replacement.name, replacement.keeps_old_name) != (proposal.value, keeps):
        raise DecisionError(
            "Give the name the person proposed, and keep or drop their former name as they chose."
        )
    try:
        plan = replace_name(
            person,
            replacement,
            old_name=old_name or person.name,
            user=user,
            reason=f"{REASON}, accepted from {proposal.value}'s review",
            wait_seconds=settings.WEB_LOCK_WAIT_SECONDS,
        )
    except (RenameError, ProjectBusy) as error:
        raise DecisionError(str(error)) from error
    return plan.person


def _record(instance, user, reason):
    # django-simple-history reads these for the history record's user and reason.
    instance._history_user = user
    instance._change_reason = reason
    return instance


def reject(proposal, user, reason):
    """Record `proposal` as rejected, with the reason the person will see."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != Proposal.Status.PENDING:
            raise DecisionError("This proposal was already decided.")
        proposal.status = Proposal.Status.REJECTED
        proposal.reason = reason
        proposal.decided_at = timezone.now()
        proposal.decided_by = user
        proposal.save(update_fields=["status", "reason", "decided_at", "decided_by"])


@dataclass(frozen=True)
class ReviewCounts:
    """How the reviews of a project stand."""

    not_asked: int
    pending: int
    confirmed: int
    changes_proposed: int
    declined: int
    to_decide: int
    email_failed: int


def review_counts(project):
    counts = Review.objects.filter(project=project).aggregate(
        pending=Count("pk", filter=Q(status=Review.Status.PENDING)),
        confirmed=Count("pk", filter=Q(status=Review.Status.CONFIRMED)),
        changes_proposed=Count("pk", filter=Q(status=Review.Status.CHANGES_PROPOSED)),
        declined=Count("pk", filter=Q(status=Review.Status.DECLINED)),
        email_failed=Count("pk", filter=Q(email_status=Review.Email.FAILED)),
    )
    to_decide = Proposal.objects.filter(
        review__project=project, status=Proposal.Status.PENDING
    ).count()
    return ReviewCounts(not_asked=not_yet_asked(project).count(), to_decide=to_decide, **counts)
