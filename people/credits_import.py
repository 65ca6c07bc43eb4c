"""Applying a credits import: bulk writes in one transaction, the project locked.

The same code serves the admin (preview, then confirm) and `manage.py import_credits`.
"""

from anyascii import anyascii
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_update_with_history

from people.caching import invalidate_pages
from people.credits_csv import CreditsError
from people.credits_plan import ADD, build_plan
from people.models import Person, Project, Role, Section, Team
from people.sorting import sort_key

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
            apply_plan(plan, user=user, reason=reason, progress=progress)
            if plan.has_changes:
                # The page's "last updated" moves, and the project's history says why.
                if user is not None:
                    locked._history_user = user
                locked._change_reason = f"Credits import ({mode}): {plan.short_summary()}"[:100]
                locked.save(update_fields=["updated_at"])
            if user is not None:
                LogEntry.objects.log_actions(
                    user.pk,
                    [locked],
                    CHANGE,
                    change_message=f"Imported credits from {source or 'a file'} "
                    f"({mode} mode): {plan.summary()}.",
                    single_object=True,
                )
    except DatabaseError as error:
        raise CreditsError(
            f"The database refused the import, so nothing was imported ({error}). "
            "Another change may have been saved at the same moment; try again."
        ) from error
    return plan


def apply_plan(plan, *, user=None, reason="Import", progress=None):
    """Write a plan with bulk queries; call inside a transaction."""
    stamp = {
        "default_user": user,
        "default_change_reason": reason[:100],
        "default_date": timezone.now(),
    }
    pks = {}

    def pk(key):
        return key[1] if len(key[0]) == 1 else pks[key]

    # QuerySet.delete() sends the signals that record history and invalidate pages.
    _delete(Role, plan.removed_role_ids)
    _delete(Team, plan.removed_team_ids)
    _delete(Section, plan.removed_section_ids)

    sections = [
        Section(project=plan.project, title=title, position=position)
        for _key, title, position in plan.section_inserts
    ]
    _create(Section, sections, stamp)
    pks.update((key, s.pk) for (key, *_), s in zip(plan.section_inserts, sections, strict=True))
    _move(Section, plan.positions[Section], stamp)

    teams = [
        Team(section_id=pk(section), name=name, position=position)
        for _key, section, name, position in plan.team_inserts
    ]
    _create(Team, teams, stamp)
    pks.update((key, t.pk) for (key, *_), t in zip(plan.team_inserts, teams, strict=True))
    _move(Team, plan.positions[Team], stamp)

    people = [
        Person(
            name=new.name,
            sort_name=new.sort_name,
            sort_key=sort_key(new.name, new.sort_name),
            slug=_unique_slug(new.name, plan.taken_slugs),
        )
        for _key, new in plan.person_inserts
    ]
    _create(Person, people, stamp)
    pks.update((key, p.pk) for (key, _), p in zip(plan.person_inserts, people, strict=True))
    if plan.sort_name_updates:
        changed = list(Person.objects.filter(pk__in=plan.sort_name_updates))
        for person in changed:
            person.sort_name = plan.sort_name_updates[person.pk]
            person.sort_key = sort_key(person.name, person.sort_name)
        bulk_update_with_history(
            changed, Person, ["sort_name", "sort_key"], batch_size=BATCH_SIZE, **stamp
        )

    total = len(plan.role_inserts)
    for start in range(0, total, BATCH_SIZE):
        roles = [
            Role(
                person_id=pk(person),
                section_id=None if team else pk(section),
                team_id=pk(team) if team else None,
                title=title,
            )
            for section, team, person, title in plan.role_inserts[start : start + BATCH_SIZE]
        ]
        _create(Role, roles, stamp)
        if progress:
            progress(start + len(roles), total)
    invalidate_pages()


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
    }
    columns = copied + [quote(field(name).column) for name in stamps]
    values = list(stamps.values())
    pks = [obj.pk for obj in objects]
    with connection.cursor() as cursor:
        for start in range(0, len(pks), BATCH_SIZE):
            chunk = pks[start : start + BATCH_SIZE]
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "
                f"SELECT {', '.join(copied)}, %s, %s, %s, %s "
                f"FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({', '.join(['%s'] * len(chunk))})",
                [*values, *chunk],
            )


def _move(model, positions, stamp):
    if positions:
        objects = list(model.objects.filter(pk__in=positions))
        for obj in objects:
            obj.position = positions[obj.pk]
        bulk_update_with_history(objects, model, ["position"], batch_size=BATCH_SIZE, **stamp)


def _delete(model, ids):
    for start in range(0, len(ids), BATCH_SIZE):
        model.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).delete()


def _unique_slug(name, taken):
    base = slugify(anyascii(name))[:190].strip("-") or "person"
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug
