"""Planning the undo of a change set: what it reverts, and what stops it.

A change set's history records give, for each row it touched, the row's values before
and after it. `plan_undo` compares them with the rows as they are now: a row that
something else changed since, or that refers to a row the undo removes, is a conflict.
people/changesets/undo.py writes the plan.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from people.changesets.record import done_by, when, who
from people.models import (
    Acknowledgment,
    Alias,
    ChangeSet,
    Credit,
    DistinctPair,
    Mention,
    NotNamed,
    Person,
    PersonRedirect,
    Project,
    Resource,
    Section,
    Team,
)

# Every model with history records, parents before children: rows come back in this
# order and go in the reverse one.
MODELS = [
    Person,
    Project,
    Resource,
    Section,
    Team,
    Alias,
    Credit,
    Acknowledgment,
    Mention,
    PersonRedirect,
    DistinctPair,
    NotNamed,
]
BATCH_SIZE = 1000
LISTED_CONFLICTS = 500


class UndoError(Exception):
    """An undo that cannot be done; nothing was changed. The message is for the editor."""

    def __init__(self, message, conflicts=()):
        super().__init__(message)
        self.conflicts = list(conflicts)


@dataclass(frozen=True)
class Conflict:
    """A row that something else changed after the change set, which stops its undo."""

    change_set: ChangeSet
    model: type
    pk: int
    # "changed", "deleted", "added again", "no record", "refers" (to `target`, which the
    # undo removes), "missing" (`target`, which it needs, is gone), "clash" (`message`).
    problem: str
    target: tuple = None  # (model, pk)
    message: str = ""

    @cached_property
    def text(self):
        """What the editor reads, e.g. 'Credit “Ada Lovelace (Legal)” was changed by editor…'.

        Worked out when shown (a few queries), so that thousands of conflicts cost
        nothing until listed.
        """
        kind = self.change_set.get_kind_display()
        record = _latest_record(self.model, self.pk)
        label = _label(self.model, self.pk, record)
        if self.problem == "no record":
            return (
                f"{label} has no recorded version from before this {kind}, "
                "so it cannot be put back as it was."
            )
        if self.problem == "added again":
            return f"{label}, which this {kind} removed, was added again{_by(record)}."
        if self.problem == "refers":
            verb = "added" if record is not None and record.history_type == "+" else "changed"
            return (
                f"{label} was {verb}{_by(record)} after this {kind} and refers to "
                f"{_label(*self.target)}, which undoing it would remove."
            )
        if self.problem == "missing":
            target_model, target_pk = self.target
            gone = f"was deleted{_by(_latest_record(target_model, target_pk))}"
            return f"{label} cannot be put back: {_label(target_model, target_pk)} {gone}."
        if self.problem == "clash":
            return f"{label} cannot be put back: {self.message}"
        return f"{label} was {self.problem}{_by(record)} after this {kind}."


def _latest_record(model, pk):
    return (
        model.history.filter(**{model._meta.pk.attname: pk})
        .select_related("history_user", "change_set")
        .order_by("-history_id")
        .first()
    )


def _label(model, pk, record=None):
    """'Credit “Ada Lovelace (Legal)”': the kind of row and its text, now or as last recorded."""
    row = model.objects.filter(pk=pk).first()
    if row is None:
        record = record or _latest_record(model, pk)
        row = record.instance if record is not None else f"#{pk}"
    return f"{model._meta.verbose_name.capitalize()} “{row}”"


def _by(record):
    """' by editor (import #13) on 2026-11-29 10:04', from a history record, or a shrug."""
    if record is None:
        return " (no record says by whom)"
    change_set = f" ({record.change_set})" if record.change_set_id else ""
    return f" by {who(record.history_user)}{change_set} on {when(record.history_date)}"


def capitalized(change_set):
    text = str(change_set)
    return text[:1].upper() + text[1:]


@dataclass
class UndoPlan:
    """What undoing a change set does, model by model, or why it cannot."""

    change_set: ChangeSet
    removals: dict = field(default_factory=lambda: defaultdict(list))  # model -> [pk]
    returns: dict = field(default_factory=lambda: defaultdict(list))  # model -> [values]
    restores: dict = field(default_factory=lambda: defaultdict(dict))  # model -> {pk: values}
    conflicts: list = field(default_factory=list)
    # What the history does not hold: addresses (ChangeSetEmail), a merge's reviews
    # (MergedReview).
    emails: list = field(default_factory=list)
    reviews: list = field(default_factory=list)

    def counts(self):
        """What the undo does, e.g. ["3 credits and 2 people removed", "1 section back"]."""
        lines = []
        for rows, done in [
            (self.removals, "removed"),
            (self.returns, "back"),
            (self.restores, "put back as they were"),
        ]:
            parts = [_count(len(rows[model]), model) for model in MODELS if rows.get(model)]
            if parts:
                lines.append(f"{_and(parts)} {done}")
        if self.emails:
            addresses = "address" if len(self.emails) == 1 else "addresses"
            lines.append(f"{len(self.emails):,} private email {addresses} put back")
        if self.reviews:
            reviews = "review" if len(self.reviews) == 1 else "reviews"
            lines.append(f"{len(self.reviews):,} {reviews} given back to the people merged")
        return lines

    def summary(self):
        return "; ".join(self.counts()) or "nothing to change"


def _count(number, model):
    name = model._meta.verbose_name if number == 1 else model._meta.verbose_name_plural
    return f"{number:,} {name}"


def _and(parts):
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def check_undoable(change_set):
    """Raise UndoError if `change_set` is an undo or was undone already."""
    if change_set.kind == ChangeSet.Kind.UNDO:
        raise UndoError(
            f"{capitalized(change_set)} is itself an undo and cannot be undone. "
            "Import the file again, or merge again, instead."
        )
    if change_set.undone_by_id is not None:
        undo = change_set.undone_by
        raise UndoError(
            f"{capitalized(change_set)} was already undone, by {done_by(undo)} ({undo})."
        )


def plan_undo(change_set, *, lock=False):
    """Work out what undoing `change_set` changes, and every conflict that prevents it.

    With `lock`, inside a transaction, the rows it touched are locked until the end of it.
    """
    check_undoable(change_set)
    plan = UndoPlan(change_set)
    for model in MODELS:
        _plan_model(plan, model, lock)
    _check_references(plan)
    _check_parents(plan)
    plan.emails = list(change_set.emails.all())
    plan.reviews = list(change_set.merged_reviews.all())
    plan.conflicts.sort(key=lambda conflict: (MODELS.index(conflict.model), conflict.pk))
    return plan


def _plan_model(plan, model, lock):
    """Sort the rows of `model` that the change set touched into removals, returns, restores."""
    touched = _touched_rows(model, plan.change_set)
    if not touched:
        return
    current = _current_rows(model, touched, lock)
    compared = _compared_fields(model)
    conflicts = {}  # pk -> problem
    for pk, (before, after) in touched.items():
        now = current.get(pk)
        if before is None and after is None:
            continue
        if after is None:
            if now is not None:
                conflicts[pk] = "added again"
            else:
                plan.returns[model].append(before)
            continue
        if before is _NO_RECORD:
            conflicts[pk] = "no record"
            continue
        changed = compared if before is None else [f for f in compared if before[f] != after[f]]
        if not changed:
            continue
        if now is None:
            conflicts[pk] = "deleted"
        elif any(now[name] != after[name] for name in changed):
            conflicts[pk] = "changed"
        elif before is None:
            plan.removals[model].append(pk)
        else:
            plan.restores[model][pk] = {name: before[name] for name in changed}
    for pk, problem in conflicts.items():
        plan.conflicts.append(Conflict(plan.change_set, model, pk, problem))


# A row changed by the change set that has no earlier record: its values before are unknown.
_NO_RECORD = object()


def tracked(model):
    return [tracked.attname for tracked in model.history.model.tracked_fields]


def _compared_fields(model):
    # Fields the database moves by itself on every save ("last updated") are no change.
    return [
        tracked.attname
        for tracked in model.history.model.tracked_fields
        if not getattr(tracked, "auto_now", False)
    ]


def chunks(items):
    items = list(items)
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start : start + BATCH_SIZE]


def _touched_rows(model, change_set):
    """{pk: (values before, values after)} of the rows the change set touched.

    None before: it created the row; None after: it deleted it.
    """
    history = model.history.model
    names = tracked(model)
    pk_name = model._meta.pk.attname
    first, last = {}, {}
    records = (
        history.objects.filter(change_set=change_set)
        .order_by("history_id")
        .values("history_id", "history_type", *names)
    )
    for record in records:
        first.setdefault(record[pk_name], record)
        last[record[pk_name]] = record
    earlier = _earlier_records(
        model,
        {pk: record["history_id"] for pk, record in first.items() if record["history_type"] == "~"},
    )
    touched = {}
    for pk, record in first.items():
        if record["history_type"] == "+":
            before = None
        elif record["history_type"] == "-":
            before = _values(record, names)
        else:
            before = earlier.get(pk, _NO_RECORD)
        after = None if last[pk]["history_type"] == "-" else _values(last[pk], names)
        touched[pk] = (before, after)
    return touched


def _values(record, names):
    return {name: record[name] for name in names}


def _earlier_records(model, first_ids):
    """{pk: values} of each row's last record before the history record `first_ids[pk]`."""
    if not first_ids:
        return {}
    history = model.history.model
    names = tracked(model)
    pk_name = model._meta.pk.attname
    earlier = {}
    for chunk in chunks(first_ids):
        records = (
            history.objects.filter(**{f"{pk_name}__in": chunk})
            .filter(history_id__lt=max(first_ids[pk] for pk in chunk))
            .order_by("history_id")
            .values("history_id", *names)
        )
        for record in records:
            if record["history_id"] < first_ids[record[pk_name]]:
                earlier[record[pk_name]] = _values(record, names)
    return earlier


def _current_rows(model, pks, lock):
    names = tracked(model)
    pk_name = model._meta.pk.attname
    current = {}
    for chunk in chunks(pks):
        rows = model.objects.filter(pk__in=chunk)
        if lock:
            rows = rows.select_for_update()
        for values in rows.values(*names):
            current[values[pk_name]] = values
    return current


def _references_to(model):
    """The foreign keys of the change sets' models that point to `model`."""
    return [
        relation.field
        for relation in model._meta.get_fields(include_hidden=True)
        if relation.auto_created
        and not relation.concrete
        and (relation.one_to_many or relation.one_to_one)
        and relation.related_model in MODELS
    ]


def _check_references(plan):
    """Rows that stay and refer to a row the undo removes (added to it since) are conflicts."""
    listed = {(conflict.model, conflict.pk) for conflict in plan.conflicts}
    for model, pks in list(plan.removals.items()):
        for reference in _references_to(model):
            other = reference.model
            removed = set(plan.removals.get(other, ()))
            restored = plan.restores.get(other, {})
            for chunk in chunks(pks):
                rows = other.objects.filter(**{f"{reference.attname}__in": chunk})
                for pk, target in rows.values_list("pk", reference.attname):
                    moved_away = restored.get(pk, {}).get(reference.attname, target) != target
                    if pk in removed or moved_away or (other, pk) in listed:
                        continue
                    listed.add((other, pk))
                    plan.conflicts.append(
                        Conflict(plan.change_set, other, pk, "refers", (model, target))
                    )


def _check_parents(plan):
    """Rows that come back, or get a reference back, need the rows they refer to."""
    wanted = defaultdict(lambda: defaultdict(list))  # target model -> {target pk: [(model, pk)]}
    for model in MODELS:
        rows = [(values["id"], values) for values in plan.returns.get(model, ())]
        rows += list(plan.restores.get(model, {}).items())
        for reference in model._meta.concrete_fields:
            if not reference.many_to_one or reference.related_model not in MODELS:
                continue
            for pk, values in rows:
                target = values.get(reference.attname)
                if target is not None:
                    wanted[reference.related_model][target].append((model, pk))
    for target_model, targets in wanted.items():
        back = {values["id"] for values in plan.returns.get(target_model, ())}
        existing = set()
        for chunk in chunks(targets):
            existing.update(target_model.objects.filter(pk__in=chunk).values_list("pk", flat=True))
        for target, referring in targets.items():
            if target in back or target in existing:
                continue
            for model, pk in referring:
                plan.conflicts.append(
                    Conflict(plan.change_set, model, pk, "missing", (target_model, target))
                )
