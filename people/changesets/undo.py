"""Undoing a change set as a whole, in one transaction, with history records of its own.

The rows the change set created are deleted, those it deleted come back with their
ids and values, and those it changed get back the values it changed; or nothing is
done and UndoError lists the conflicts (people/changesets/plan.py).
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import Truncator

from people.caching import invalidate_pages, invalidate_published_pages_of, naming_changed
from people.changesets.plan import (
    BATCH_SIZE,
    MODELS,
    Conflict,
    UndoError,
    capitalized,
    chunks,
    plan_undo,
    tracked,
)
from people.changesets.record import recording
from people.models import Alias, ChangeSet, ChangeSetEmail, NotNamed, Person, Project
from people.reviews.merging import unmerge_reviews


def undo(change_set, user=None):
    """Undo `change_set` as a whole in one transaction and return the UndoPlan it followed.

    Raises UndoError, having changed nothing, if it was undone already, if anything
    changed the same rows since (listing every conflict), or if the database refuses.
    """
    plan = None
    try:
        with transaction.atomic():
            locked = ChangeSet.objects.select_for_update().filter(pk=change_set.pk).first()
            if locked is None:
                raise UndoError("This change no longer exists; nothing was undone.")
            # Imports lock their project first; so does the undo of one.
            project = (
                Project.objects.select_for_update().filter(pk=locked.project_id).first()
                if locked.project_id
                else None
            )
            plan = plan_undo(locked, lock=True)
            if plan.conflicts:
                raise UndoError(_refusal(locked, len(plan.conflicts)), plan.conflicts)
            reason = f"Undo of {locked}"
            with recording(
                ChangeSet.Kind.UNDO,
                description=f"{reason}: {locked.description}",
                summary=plan.summary(),
                user=user,
                project=project,
            ) as undo_set:
                spelled = _people_of_aliases(plan)
                _write(plan, {"user": user, "reason": reason, "date": timezone.now()})
                if project is not None:
                    # The page's "last updated" moves, and the project's history says why.
                    project._history_user = user
                    project._change_reason = reason
                    project.save(update_fields=["updated_at"])
            locked.undone_by = undo_set
            locked.save(update_fields=["undone_by"])
            if user is not None:
                LogEntry.objects.log_actions(
                    user.pk, [locked], CHANGE, change_message=f"Undone: {plan.summary()}."
                )
            if _changes_naming(plan):
                # Rows written in bulk send no signals: every published page moves.
                naming_changed(project_ids=Project.objects.values("pk"))
            invalidate_pages()
            if spelled:
                invalidate_published_pages_of(spelled)
    except IntegrityError as error:
        # Rolled back: look for the rows that clash, to name them.
        conflicts = _clashes(plan) if plan is not None else []
        if conflicts:
            raise UndoError(_refusal(change_set, len(conflicts)), conflicts) from error
        raise UndoError(_refused_by_database(error)) from error
    except DatabaseError as error:
        raise UndoError(_refused_by_database(error)) from error
    return plan


def _changes_naming(plan):
    """Whether the undo changes who is named: a choice not to be named, or a person back."""
    touched = [plan.removals, plan.returns, plan.restores]
    return any(rows.get(NotNamed) for rows in touched) or any(
        rows.get(Person) for rows in [plan.returns, plan.restores]
    )


def _refusal(change_set, number):
    conflicts = "1 conflict" if number == 1 else f"{number:,} conflicts"
    return (
        f"{capitalized(change_set)} cannot be undone: {conflicts} with later changes. "
        "Nothing was undone."
    )


def _refused_by_database(error):
    return (
        f"The database refused the undo, so nothing was undone ({error}). "
        "Another change may have been saved at the same moment; try again."
    )


def _people_of_aliases(plan):
    """The people whose public other spellings the undo removes, brings back or moves:
    versions show those public now, and the undo writes without model signals."""
    restores = plan.restores.get(Alias, {})
    people = set()
    for chunk in chunks([*plan.removals.get(Alias, ()), *restores]):
        public = Alias.objects.public().filter(pk__in=chunk)
        people.update(public.values_list("person_id", flat=True))
    returns = plan.returns.get(Alias, ())
    people.update(values["person_id"] for values in returns if values.get("is_public"))
    people.update(values["person_id"] for values in restores.values() if "person_id" in values)
    return people


def _write(plan, stamp):
    for model in reversed(MODELS):
        _delete_rows(model, plan.removals.get(model, ()), stamp)
    for model in MODELS:
        _bring_back(model, plan.returns.get(model, ()), stamp)
    for model in MODELS:
        _put_back(model, plan.restores.get(model, {}), stamp)
    _put_back_emails(plan.emails)
    unmerge_reviews(plan.reviews)


def _put_back_emails(changes):
    """Give people back the addresses the change set changed, unless changed again since.

    The records are deleted: an undo is final, and addresses are kept no longer than needed.
    """
    if not changes:
        return
    people = Person.objects.in_bulk([change.person_id for change in changes])
    put_back = []
    for change in changes:
        person = people.get(change.person_id)
        if person is not None and person.email == change.after:
            person.email = change.before
            put_back.append(person)
    Person.objects.bulk_update(put_back, ["email"])
    ChangeSetEmail.objects.filter(pk__in=[change.pk for change in changes]).delete()


def _history_records(model, rows, history_type, stamp):
    """History records of `rows` (model instances) with who, when and why; in bulk."""
    history = model.history.model
    names = tracked(model)
    history.objects.bulk_create(
        [
            history(
                history_type=history_type,
                history_date=stamp["date"],
                history_user=stamp["user"],
                history_change_reason=Truncator(stamp["reason"]).chars(100),
                **{name: getattr(row, name) for name in names},
            )
            for row in rows
        ],
        batch_size=BATCH_SIZE,
    )


def _delete_rows(model, pks, stamp):
    # Deleted with one query per batch, not one per row with its signals: the
    # references were checked, and the page cache is invalidated once at the end.
    quote = connection.ops.quote_name
    for chunk in chunks(pks):
        _history_records(model, model.objects.filter(pk__in=chunk), "-", stamp)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )


def _bring_back(model, rows, stamp):
    """Create rows again with their ids and values (dates set by Django on saving included)."""
    dated = [
        model_field.attname
        for model_field in model._meta.concrete_fields
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
    ]
    for chunk in chunks(rows):
        objects = model.objects.bulk_create([model(**values) for values in chunk])
        for obj, values in zip(objects, chunk, strict=True):
            if dated:
                model.objects.filter(pk=obj.pk).update(**{name: values[name] for name in dated})
                for name in dated:
                    setattr(obj, name, values[name])
        _history_records(model, objects, "+", stamp)


def _put_back(model, restores, stamp):
    """Give changed rows back the values they had before the change set."""
    names = {name for values in restores.values() for name in values}
    if not names:
        return
    fields = [model._meta.get_field(name).name for name in sorted(names)]
    for chunk in chunks(restores):
        objects = list(model.objects.filter(pk__in=chunk))
        for obj in objects:
            for name, value in restores[obj.pk].items():
                setattr(obj, name, value)
        model.objects.bulk_update(objects, fields)
        _history_records(model, objects, "~", stamp)


def _clashes(plan):
    """Rows the undo would bring or put back that clash with a row as it is now."""
    conflicts = []
    for model in MODELS:
        rows = [model(**values) for values in plan.returns.get(model, ())]
        for pk, values in plan.restores.get(model, {}).items():
            row = model.objects.filter(pk=pk).first()
            if row is not None:
                for name, value in values.items():
                    setattr(row, name, value)
                rows.append(row)
        for row in rows:
            try:
                row.validate_unique()
                row.validate_constraints()
            except ValidationError as error:
                message = " ".join(error.messages)
                conflicts.append(Conflict(plan.change_set, model, row.pk, "clash", message=message))
    return conflicts
