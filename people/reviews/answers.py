"""The person's side of a review: what they are shown, and their answer recorded."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from people.models import Alias, Credit
from people.naming import Choice, choose
from people.reviews.models import Proposal, Review
from people.sorting import sort_name_used


@dataclass(frozen=True)
class CreditLine:
    """One of a person's credits on a project, as the project's page shows it."""

    credit_id: int
    section: str
    # None for a lead line under the section; "" for the section's group without a heading.
    team: str | None
    title: str

    @property
    def is_lead(self):
        return self.team is None

    @property
    def place(self):
        if self.team is None:
            return f"{self.section} (lead line)"
        if not self.team:
            return self.section
        return f"{self.section} › {self.team}"

    def __str__(self):
        return f"{self.place} — {self.title}" if self.title else self.place


def credit_lines(person, project):
    """The person's credits on `project`, drafts included, in the order of its page."""
    return credit_lines_of([person.pk], project).get(person.pk, [])


def credit_lines_of(person_ids, project):
    """credit_lines() of each of `person_ids` on `project`, by person id, in one query."""
    credits = (
        Credit.objects.filter(person__in=person_ids)
        .in_projects([project])
        .select_related("section", "team__section")
    )

    def page_order(credit):
        section = credit.place_section
        team_order = (1, credit.team.position, credit.team_id) if credit.team_id else (0, 0, 0)
        return (section.position, section.pk, *team_order, credit.pk)

    lines = {}
    for credit in sorted(credits, key=page_order):
        lines.setdefault(credit.person_id, []).append(
            CreditLine(
                credit_id=credit.pk,
                section=credit.place_section.title,
                team=credit.team.name if credit.team_id else None,
                title=credit.title,
            )
        )
    return lines


def sorts_as(person):
    """What the person's name sorts by on every list: "Family, Given"."""
    return sort_name_used(person.name, person.sort_name, person.family_name)


@dataclass(frozen=True)
class Change:
    """A correction the person asks for; `credit_id` for one about a credit, `alias_id` for
    one about an other spelling (its `value` is the spelling)."""

    kind: str
    value: str
    old_value: str = ""
    credit_id: int | None = None
    credit_text: str = ""
    alias_id: int | None = None
    # For a name: whether it replaces the former one everywhere (Proposal.Replacement).
    replacement: str = ""


def confirm(review):
    """Record that the person says their credits are right (again: nothing changes).

    A person who declined to be named stays so in the review queue.
    """
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.status in (Review.Status.CONFIRMED, Review.Status.DECLINED):
            return False
        review.status = Review.Status.CONFIRMED
        review.answered_at = timezone.now()
        review.save(update_fields=["status", "answered_at"])
        return True


def propose(review, changes):
    """Record the person's proposed changes; return how many are new.

    Sending the same form twice records nothing the second time: a change equal to
    one still to decide is that one, a changed value replaces it, and a note or
    missing credit already sent is not sent again.
    """
    with transaction.atomic():
        # One answer at a time per review, so that a double submission cannot race.
        review = Review.objects.select_for_update().get(pk=review.pk)
        # A credit removed since the page was shown takes its corrections with it.
        credit_ids = {change.credit_id for change in changes if change.credit_id is not None}
        existing = set(
            Credit.objects.filter(pk__in=credit_ids, person=review.person_id).values_list(
                "pk", flat=True
            )
        )
        # So does an other spelling removed since, or moved to someone else by a merge.
        alias_ids = {change.alias_id for change in changes if change.alias_id is not None}
        aliases = set(
            Alias.objects.filter(pk__in=alias_ids, person=review.person_id).values_list(
                "pk", flat=True
            )
        )
        recorded = sum(
            _record(review, change)
            for change in changes
            if (change.credit_id is None or change.credit_id in existing)
            and (change.alias_id is None or change.alias_id in aliases)
        )
        if recorded:
            if review.status != Review.Status.DECLINED:
                review.status = Review.Status.CHANGES_PROPOSED
            review.answered_at = timezone.now()
            review.save(update_fields=["status", "answered_at"])
        return recorded


def choose_naming(review, choice):
    """Apply the person's choice of how they are named, at once; return whether it changed.

    Consent does not wait for the editors: the choice applies to every page as soon
    as it is made, in the history as the person's, and the review queue shows it.
    """
    with transaction.atomic():
        review = (
            Review.objects.select_for_update(of=["self"])
            .select_related("person", "project")
            .get(pk=review.pk)
        )
        changed = choose(
            review.person,
            review.project,
            choice,
            reason=f"Chosen in {review.person.name}'s review",
            by_review=True,
        )
        status = review.status
        if choice != Choice.NAMED:
            status = Review.Status.DECLINED
        elif status == Review.Status.DECLINED:
            has_proposals = review.proposals.exists()
            status = Review.Status.CHANGES_PROPOSED if has_proposals else Review.Status.CONFIRMED
        if changed or status != review.status:
            review.status = status
            review.answered_at = timezone.now()
            review.save(update_fields=["status", "answered_at"])
        return changed


def _record(review, change):
    if change.kind in (Proposal.Kind.MISSING, Proposal.Kind.NOTE):
        if review.proposals.filter(kind=change.kind, value=change.value).exists():
            return 0
        Proposal.objects.create(review=review, kind=change.kind, value=change.value)
        return 1
    pending = _pending(review, change)
    if (
        pending is not None
        and (pending.kind, pending.value) == (change.kind, change.value)
        and pending.replacement == change.replacement
    ):
        return 0
    proposal = pending or Proposal(
        review=review, credit_id=change.credit_id, alias_id=change.alias_id
    )
    proposal.kind = change.kind
    proposal.value = change.value
    proposal.replacement = change.replacement
    proposal.old_value = change.old_value
    proposal.credit_text = change.credit_text
    proposal.created_at = timezone.now()
    proposal.save()
    return 1


def _pending(review, change):
    """The proposal still to decide that `change` replaces: about the same field or credit,
    or about the same other spelling (to show it publicly or keep it private)."""
    pending = review.proposals.filter(status=Proposal.Status.PENDING)
    if change.alias_id is not None:
        return pending.filter(alias_id=change.alias_id).first()
    return pending.filter(kind=change.kind, credit_id=change.credit_id).first()
