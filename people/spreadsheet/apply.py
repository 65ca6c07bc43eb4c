"""Applying a credits import: bulk writes in one transaction, the project locked.

The same code serves the admin (preview, then confirm) and `manage.py import_credits`.
"""

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from people.caching import invalidate_pages
from people.changesets.record import recording_import
from people.models import Person, Project, Role, Section, Team
from people.sorting import sort_key
from people.spreadsheet.format import CreditsError
from people.spreadsheet.plan import ADD, ExistingSection, ExistingTeam, build_plan

BATCH_SIZE = 1000


def import_credits(
    project,
    rows,
    mode=ADD,
    *,
    dry_run=False,
    user=None,
    source="",
    expected_digest=None,
    progress=None,
):
    """Plan importing `rows` into `project` and, unless `dry_run`, apply it in one transaction.

    Returns the plan. Raises CreditsError, and writes nothing, if anything is wrong.
    `expected_digest` is the digest of the plan an editor confirmed: if the database
    changed since, nothing is written.
    """
    if dry_run:
        return build_plan(project, rows, mode)
    try:
        with transaction.atomic():
            # Two imports into one project wait for each other instead of both
            # planning against the same old state.
            locked = Project.objects.select_for_update().filter(pk=project.pk).first()
            if locked is None:
                raise CreditsError(
                    f'The project "{project}" no longer exists; nothing was imported.'
                )
            plan = build_plan(locked, rows, mode)
            if expected_digest is not None and plan.digest() != expected_digest:
                raise CreditsError(
                    "The credits in the database changed since the preview, so nothing was "
                    "imported. Upload the file again to see what it would change now."
                )
            reason = f"Imported from {source}" if source else "Import"
            with recording_import(plan, user, source):
                apply_plan(plan, user=user, reason=reason, progress=progress)
            _record(plan, locked, user, source)
    except DatabaseError as error:
        raise CreditsError(
            f"The database refused the import, so nothing was imported ({error}). "
            "Another change may have been saved at the same moment; try again."
        ) from error
    return plan


def _record(plan, project, user, source):
    """The project's history and the admin log say who imported what."""
    if plan.has_changes:
        # The page's "last updated" moves, and the project's history says why.
        if user is not None:
            project._history_user = user
        project._change_reason = f"Credits import ({plan.mode}): {plan.short_summary()}"[:100]
        project.save(update_fields=["updated_at"])
    if user is not None:
        LogEntry.objects.log_actions(
            user.pk,
            [project],
            CHANGE,
            change_message=f"Imported credits from {source or 'a file'} "
            f"({plan.mode} mode): {plan.summary()}.",
            single_object=True,
        )


def apply_plan(plan, *, user=None, reason="Import", progress=None):
    """Write a plan with bulk queries; call inside a transaction."""
    changes = plan.changes
    stamp = {
        "default_user": user,
        "default_change_reason": reason[:100],
        "default_date": timezone.now(),
    }
    # QuerySet.delete() sends the signals that record history and invalidate pages.
    _delete(Role, list(changes.removed_credits.values()))
    _delete(Team, [team.pk for team in changes.removed_teams])
    _delete(Section, [section.pk for section in changes.removed_sections])

    sections = {
        new: Section(project=plan.project, title=new.title, position=position)
        for new, position in changes.new_sections.items()
    }
    _create(Section, list(sections.values()), stamp)
    _move(Section, changes.positions, ExistingSection, stamp)
    teams = {
        new: Team(section_id=_pk(new.section, sections), name=new.name, position=position)
        for new, position in changes.new_teams.items()
    }
    _create(Team, list(teams.values()), stamp)
    _move(Team, changes.positions, ExistingTeam, stamp)
    people = {
        new: Person(
            name=new.name,
            sort_name=sort_name,
            sort_key=sort_key(new.name, sort_name),
            slug=new.slug,
        )
        for new, sort_name in changes.new_people.items()
    }
    _create(Person, list(people.values()), stamp)
    _change_sort_names(changes.sort_names, stamp)
    _create_credits(changes.new_credits, sections, teams, people, stamp, progress)
    invalidate_pages()


def _pk(thing, created):
    """The pk of an existing section, team or person, or of the row just created for a new one."""
    return created[thing].pk if thing in created else thing.pk


def _change_sort_names(changes, stamp):
    if not changes:
        return
    sort_names = {change.person.pk: change.new for change in changes}
    people = list(Person.objects.filter(pk__in=sort_names))
    for person in people:
        person.sort_name = sort_names[person.pk]
        person.sort_key = sort_key(person.name, person.sort_name)
    bulk_update_with_history(
        people, Person, ["sort_name", "sort_key"], batch_size=BATCH_SIZE, **stamp
    )


def _create_credits(credits, sections, teams, people, stamp, progress):
    for start in range(0, len(credits), BATCH_SIZE):
        roles = [
            Role(
                person_id=_pk(credit.person, people),
                section_id=None if credit.place.team else _pk(credit.place.section, sections),
                team_id=_pk(credit.place.team, teams) if credit.place.team else None,
                title=credit.title,
            )
            for credit in credits[start : start + BATCH_SIZE]
        ]
        _create(Role, roles, stamp)
        if progress:
            progress(start + len(roles), len(credits))


def _create(model, objects, stamp):
    """bulk_create, then the "+" history rows, copied by the database from the new rows.

    Building a Python object per history row (simple-history's bulk_history_create)
    took longer than the insert itself.
    """
    if not objects:
        return
    model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    history = model.history.model
    field = history._meta.get_field
    quote = connection.ops.quote_name
    copied = [quote(tracked.column) for tracked in history.tracked_fields]
    stamps = {
        "history_date": field("history_date").get_db_prep_value(stamp["default_date"], connection),
        "history_change_reason": stamp["default_change_reason"],
        "history_type": "+",
        "history_user": getattr(stamp["default_user"], "pk", None),
        # The change set being recorded, as the field's default gives it (people.changesets).
        "change_set": field("change_set").get_default(),
    }
    columns = copied + [quote(field(name).column) for name in stamps]
    values = list(stamps.values())
    pks = [obj.pk for obj in objects]
    with connection.cursor() as cursor:
        for start in range(0, len(pks), BATCH_SIZE):
            chunk = pks[start : start + BATCH_SIZE]
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "
                f"SELECT {', '.join(copied + ['%s'] * len(values))} "
                f"FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(chunk))})",
                [*values, *chunk],
            )


def _move(model, positions, kind, stamp):
    """Give the existing sections (or teams) of `positions` their new positions."""
    positions = {
        thing.pk: position for thing, position in positions.items() if isinstance(thing, kind)
    }
    if positions:
        objects = list(model.objects.filter(pk__in=positions))
        for obj in objects:
            obj.position = positions[obj.pk]
        bulk_update_with_history(objects, model, ["position"], batch_size=BATCH_SIZE, **stamp)


def _delete(model, ids):
    for start in range(0, len(ids), BATCH_SIZE):
        model.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).delete()
