"""Merging several Person records into the one an editor keeps.

Every credit moves to the kept person; credits that would then appear twice
collapse into one. The other people's names become aliases and their page
addresses redirect to the kept person's page. Their reviews move too, one per
project (people/reviews/merging.py), and the kept person gets a merged person's
private email address if they have none. The admin action that previews and
confirms a merge is in people/admin_views.py.
"""

from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.db import transaction
from django.db.models import Min, Q
from django.utils.text import Truncator

from people.caching import invalidate_pages
from people.changesets.record import record_emails, recording
from people.models import (
    Alias,
    ChangeSet,
    Credit,
    DistinctPair,
    Mention,
    NotNamed,
    Person,
    PersonRedirect,
    Project,
    Review,
    credit_section,
)
from people.reviews.merging import ReviewMerge, plan_review_merges, write_review_merges
from people.sorting import same_name_key


class MergeError(Exception):
    """A merge that cannot be done as asked; the message is for the editor."""


@dataclass
class MergePlan:
    """What merging `removed` into `kept` changes, worked out before anything is written."""

    kept: Person
    removed: list
    moved_credits: list = field(default_factory=list)
    collapsed_credits: list = field(default_factory=list)
    moved_mentions: list = field(default_factory=list)
    collapsed_mentions: list = field(default_factory=list)
    moved_aliases: list = field(default_factory=list)
    dropped_aliases: list = field(default_factory=list)
    new_aliases: list = field(default_factory=list)
    moved_redirects: list = field(default_factory=list)
    # The merged people's choices not to be named: kept, as the kept person's.
    moved_not_named: list = field(default_factory=list)
    dropped_not_named: list = field(default_factory=list)
    never_listed: bool = False
    projects: list = field(default_factory=list)
    distinct_pairs: list = field(default_factory=list)
    review_merges: list[ReviewMerge] = field(default_factory=list)
    # The merged person whose private email address the kept person gets, having none.
    email_from: Person | None = None
    change_set: ChangeSet | None = None  # once merged: the change set that can undo it

    @property
    def email(self):
        """The kept person's private email address after the merge ("" for none)."""
        return self.email_from.email if self.email_from else self.kept.email

    @property
    def dropped_emails(self):
        """The merged people whose address the kept person does not get: it goes with them."""
        return [person for person in self.removed if person.email and person != self.email_from]

    @property
    def alias_names(self):
        """Every name the kept person gains as an alias."""
        return sorted(self.new_aliases + [alias.name for alias in self.moved_aliases])

    @property
    def public_alias_names(self):
        """The names of alias_names shown publicly: moved aliases that were public.

        The removed people's own names become private aliases, as every new one is.
        """
        return {alias.name for alias in self.moved_aliases if alias.is_public}

    @property
    def redirected_slugs(self):
        """Every old page address that will lead to the kept person."""
        return sorted(
            [person.slug for person in self.removed]
            + [redirect.old_slug for redirect in self.moved_redirects]
        )

    def summary(self):
        """One line of counts: "2 people merged into Filippo Raso: 2 credits moved, …"."""
        merged = "1 person" if len(self.removed) == 1 else f"{len(self.removed)} people"
        return (
            f"{merged} merged into {self.kept.name}: "
            f"{len(self.moved_credits)} credits moved, {len(self.collapsed_credits)} collapsed; "
            f"{len(self.moved_mentions)} mentions moved, "
            f"{len(self.collapsed_mentions)} collapsed; "
            f"{len(self.alias_names)} other spellings; "
            f"{len(self.redirected_slugs)} addresses redirected" + self.reviews_summary()
        )

    def reviews_summary(self):
        moved = sum(merge.moves for merge in self.review_merges)
        folded = sum(len(merge.folded) for merge in self.review_merges)
        if not moved and not folded:
            return ""
        reviews = "review" if moved == 1 else "reviews"
        return f"; {moved} {reviews} moved, {folded} folded into another"


@dataclass(frozen=True)
class Evidence:
    """What speaks for keeping one of the people being merged, as the preview shows it."""

    person: Person
    credit_count: int
    mention_count: int
    projects: tuple[str, ...]
    # When the record was first saved with history (None: loaded in bulk, without).
    first_saved: datetime | None
    # The other people being merged whose other spellings are this person's name.
    named_by: tuple[str, ...]

    @property
    def has_orcid(self):
        return bool(self.person.orcid)


# Each piece of evidence for keeping a record: why it counts, and its measure (more is better).
KEEP_EVIDENCE = [
    ("the name the others’ spellings point to", lambda evidence: len(evidence.named_by)),
    ("the one with an ORCID iD", attrgetter("has_orcid")),
    ("credited on more projects", lambda evidence: len(evidence.projects)),
    ("with more credits", lambda evidence: evidence.credit_count + evidence.mention_count),
    # Ids grow with time: the lowest is the record people have linked to longest.
    ("the oldest record", lambda evidence: -evidence.person.pk),
]


def weigh_evidence(people):
    """Return the Evidence of each of `people`, in the order they were created."""
    people = sorted(people, key=attrgetter("pk"))
    ids = [person.pk for person in people]
    credits = {pk: 0 for pk in ids}
    mentions = {pk: 0 for pk in ids}
    projects = {pk: set() for pk in ids}
    rows = Credit.objects.filter(person_id__in=ids).values_list(
        "person_id", credit_section("project__title")
    )
    for person_id, title in rows:
        credits[person_id] += 1
        projects[person_id].add(title)
    for person_id, title in Mention.objects.filter(person_id__in=ids).values_list(
        "person_id", "acknowledgment__project__title"
    ):
        mentions[person_id] += 1
        projects[person_id].add(title)
    first_saved = dict(
        Person.history.filter(id__in=ids)
        .values("id")
        .annotate(first=Min("history_date"))
        .values_list("id", "first")
    )
    spellings = {pk: set() for pk in ids}
    for person_id, name in Alias.objects.filter(person_id__in=ids).values_list("person_id", "name"):
        spellings[person_id].add(same_name_key(name))
    return [
        Evidence(
            person=person,
            credit_count=credits[person.pk],
            mention_count=mentions[person.pk],
            projects=tuple(sorted(projects[person.pk])),
            first_saved=first_saved.get(person.pk),
            named_by=tuple(
                other.name
                for other in people
                if other != person and same_name_key(person.name) in spellings[other.pk]
            ),
        )
        for person in people
    ]


def suggest_kept(evidence):
    """Return the person to keep and why: the one ahead on most evidence, the oldest on a tie.

    A piece of evidence on which everyone is equal says nothing. The oldest record
    wins ties because its page address is the one people have linked to.
    """
    ahead = {item.person.pk: [] for item in evidence}
    for reason, measure in KEEP_EVIDENCE:
        values = [measure(item) for item in evidence]
        if len(set(values)) == 1:
            continue
        for item, value in zip(evidence, values, strict=True):
            if value == max(values):
                ahead[item.person.pk].append(reason)
    kept = max(evidence, key=lambda item: (len(ahead[item.person.pk]), -item.person.pk))
    return kept.person, ahead[kept.person.pk]


def credit_place(credit):
    return (credit.team_id, credit.section_id, credit.title)


def split_taken(items, taken, place):
    """Split `items` into those that move and those already at a place in `taken`.

    Each item that moves adds its place to `taken`, so a later item at the same place
    collapses into it.
    """
    moving, staying = [], []
    for item in items:
        if place(item) in taken:
            staying.append(item)
        else:
            taken.add(place(item))
            moving.append(item)
    return moving, staying


def plan_merge(kept, removed):
    """Return the MergePlan for merging the people `removed` into `kept`."""
    if not removed:
        raise MergeError("Choose at least one other person to merge into the kept one.")
    if kept.pk in {person.pk for person in removed}:
        raise MergeError("The kept person cannot also be one of the people merged into it.")
    plan = MergePlan(kept=kept, removed=sorted(removed, key=lambda person: person.pk))
    removed_ids = [person.pk for person in plan.removed]
    plan_credits(plan, removed_ids)
    plan_names(plan, removed_ids)
    plan.moved_redirects = list(PersonRedirect.objects.filter(person_id__in=removed_ids))
    plan_naming(plan, removed_ids)
    plan.projects = list(Project.objects.filter(assembled_by_id__in=removed_ids))
    plan.distinct_pairs = list(
        DistinctPair.objects.filter(Q(first_id__in=removed_ids) | Q(second_id__in=removed_ids))
        .select_related("first", "second", "decided_by")
        .order_by("first_id", "second_id")
    )
    plan.review_merges = plan_review_merges(kept, removed_ids)
    if not kept.email:
        # The oldest record's (plan.removed is in id order).
        plan.email_from = next((person for person in plan.removed if person.email), None)
    return plan


def plan_credits(plan, removed_ids):
    """Split the removed people's credits and mentions into those that move and collapse."""
    places = set(map(credit_place, Credit.objects.filter(person=plan.kept)))
    credits = (
        Credit.objects.filter(person_id__in=removed_ids)
        .select_related("person", "team__section__project", "section__project")
        .order_by("person_id", "id")
    )
    plan.moved_credits, plan.collapsed_credits = split_taken(credits, places, credit_place)

    acknowledgments = set(
        Mention.objects.filter(person=plan.kept).values_list("acknowledgment_id", flat=True)
    )
    mentions = (
        Mention.objects.filter(person_id__in=removed_ids)
        .select_related("person", "acknowledgment__project")
        .order_by("person_id", "id")
    )
    plan.moved_mentions, plan.collapsed_mentions = split_taken(
        mentions, acknowledgments, attrgetter("acknowledgment_id")
    )


def plan_naming(plan, removed_ids):
    """Keep every choice not to be named of the people merged: one of them is enough.

    Consent is the person's: the kept record is not named wherever one of the merged
    records was not, and never listed if one of them was.
    """
    projects = set(NotNamed.objects.filter(person=plan.kept).values_list("project_id", flat=True))
    rows = (
        NotNamed.objects.filter(person_id__in=removed_ids)
        .select_related("project")
        .order_by("person_id", "id")
    )
    plan.moved_not_named, plan.dropped_not_named = split_taken(
        rows, projects, attrgetter("project_id")
    )
    plan.never_listed = plan.kept.never_listed or any(p.never_listed for p in plan.removed)


def plan_names(plan, removed_ids):
    """Work out the aliases the kept person gains: the removed people's names and aliases.

    Names compare as imports match them, so that no two of the kept person's spellings
    differ only in case (their unique constraint compares LOWER(name)).
    """
    kept_aliases = Alias.objects.filter(person=plan.kept).values_list("name", flat=True)
    names = {same_name_key(plan.kept.name), *map(same_name_key, kept_aliases)}
    aliases = Alias.objects.filter(person_id__in=removed_ids).order_by("person_id", "id")
    plan.moved_aliases, plan.dropped_aliases = split_taken(
        aliases, names, lambda alias: same_name_key(alias.name)
    )
    for person in plan.removed:
        if same_name_key(person.name) not in names:
            names.add(same_name_key(person.name))
            plan.new_aliases.append(person.name)


def _record(instance, user, reason):
    # django-simple-history reads these to fill in who made the change and why;
    # it keeps at most 100 characters of the reason.
    instance._history_user = user
    instance._change_reason = Truncator(reason).chars(100)
    return instance


def merge_people(kept, removed, user=None):
    """Merge the people `removed` into `kept` in one transaction and return what was done.

    The merge is recorded as one change set (plan.change_set), which can undo it.
    """
    with transaction.atomic():
        ids = [kept.pk, *(person.pk for person in removed)]
        locked = {
            person.pk: person for person in Person.objects.select_for_update().filter(pk__in=ids)
        }
        if len(locked) != len(set(ids)):
            raise MergeError("One of these people no longer exists; nothing was merged.")
        kept = locked[kept.pk]
        # A person answering their review meanwhile waits: their review may move.
        list(Review.objects.select_for_update().filter(person_id__in=ids).values_list("pk"))
        plan = plan_merge(kept, [locked[person.pk] for person in removed])
        reason = f"Merged into {kept.name} (#{kept.pk})"
        names = ", ".join(f"{person.name} (#{person.pk})" for person in plan.removed)
        merged = f"Merged {names} into this person."
        if user is not None:
            LogEntry.objects.log_actions(user.pk, plan.removed, DELETION, change_message=reason)
            LogEntry.objects.log_actions(user.pk, [kept], CHANGE, change_message=merged)
        with recording(
            ChangeSet.Kind.MERGE,
            description=f"Merged {names} into {kept.name} (#{kept.pk})",
            summary=plan.summary(),
            user=user,
        ) as change_set:
            _write_merge(plan, user, reason, merged, change_set)
        plan.change_set = change_set
        invalidate_pages()
    return plan


def _write_merge(plan, user, reason, merged, change_set):
    kept = plan.kept
    # Reviews first: a credit collapsed below clears the proposals about it.
    write_review_merges(plan.review_merges, kept, change_set)
    record_emails(
        [(kept.pk, kept.email, plan.email)]
        + [(person.pk, person.email, "") for person in plan.removed]
    )
    kept.email = plan.email
    # Rows that would duplicate the kept person's go first, so that the
    # moves never meet a unique constraint.
    collapsed = plan.collapsed_credits + plan.collapsed_mentions + plan.dropped_aliases
    for row in collapsed + plan.dropped_not_named:
        _record(row, user, reason).delete()
    moved = plan.moved_credits + plan.moved_mentions + plan.moved_aliases
    for row in moved + plan.moved_not_named:
        row.person = kept
        _record(row, user, reason).save()
    for name in plan.new_aliases:
        _record(Alias(person=kept, name=name), user, reason).save()
    for redirect in plan.moved_redirects:
        redirect.person = kept
        _record(redirect, user, reason).save()
    for person in plan.removed:
        redirect = PersonRedirect.objects.filter(old_slug=person.slug).first()
        redirect = redirect or PersonRedirect(old_slug=person.slug)
        redirect.person = kept
        _record(redirect, user, reason).save()
    for project in plan.projects:
        project.assembled_by = kept
        _record(project, user, reason).save()
    for pair in plan.distinct_pairs:
        _record(pair, user, reason).delete()

    # Saved, changed or not, so that the kept person's own history shows the merge.
    kept.never_listed = plan.never_listed
    _record(kept, user, merged).save()
    for person in plan.removed:
        _record(person, user, reason).delete()
