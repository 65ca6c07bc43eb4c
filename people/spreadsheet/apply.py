"""Applying a credits import: planned without the project's lock, written with it.

The same code serves the admin (preview, then confirm) and `manage.py import_credits`.
A plan is made first with no lock held: planning reads every person and matches every
row, and the command line may ask before a sync removes anything. Then the project is
locked, the plan made again and compared, and the changes written with bulk queries
(COPY on PostgreSQL) in one transaction.
"""

import gc
from contextlib import contextmanager

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import DatabaseError, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from people.caching import invalidate_pages
from people.changesets.record import record_emails, recording_import
from people.models import (
    Alias,
    Credit,
    Person,
    PersonRedirect,
    Section,
    Team,
    can_see_emails,
    lock_project,
    numbered_slug,
    slug_base,
)
from people.sorting import sort_key
from people.spreadsheet import bulk
from people.spreadsheet.format import CreditsError, Problem
from people.spreadsheet.people import plan_people, write_people
from people.spreadsheet.plan import ADD, ExistingPerson, ExistingSection, ExistingTeam, build_plan


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused while an import runs.

    An import makes a few hundred thousand objects (rows, a plan, the rows to write)
    that live until it ends, and each pass of the collector over its oldest generation
    walks them all again: a tenth of the time of a 50,000-row import. What the import
    leaves behind is collected once the collector runs again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_credits(
    project,
    rows,
    mode=ADD,
    *,
    people=None,
    people_source="",
    dry_run=False,
    user=None,
    source="",
    expected_digest=None,
    same_people=None,
    progress=None,
    wait_seconds=None,
):
    """Plan importing `rows` into `project` and, unless `dry_run`, write it (see write_plan).

    Returns the plan. Raises CreditsError, and writes nothing, if anything is wrong.
    `people` are the rows of a people file (`people_source`) to import first, in the same
    transaction and change set, so that the credits find the people it creates or names.
    `expected_digest` is the digest of the plan an editor previewed: if the database
    changed since, nothing is written. `same_people` are the decisions the editor made
    on that preview (see build_plan); the plan written includes them, and so does its digest.
    Private email addresses are imported only for a `user` allowed to set them (None:
    the command line).
    """
    refuse_emails(rows, user)
    with collector_paused():
        people_plan = _plan_people_file(people, people_source) if people is not None else None
        plan = plan_import(project, rows, mode, same_people, people_plan)
        if dry_run:
            return plan
        # The preview was made before the decisions: its digest is that of the plan
        # without them.
        if expected_digest is not None:
            previewed = plan_import(project, rows, mode, None, people_plan) if same_people else plan
            if previewed.digest() != expected_digest:
                raise CreditsError(
                    "The credits in the database changed since the preview, so nothing was "
                    "imported. Upload the file again to see what it would change now."
                )
        write_plan(
            plan, rows, user=user, source=source, progress=progress, wait_seconds=wait_seconds
        )
    return plan


def refuse_emails(rows, user):
    """Raise CreditsError if `rows` set email addresses and `user` may not see them."""
    if can_see_emails(user):
        return
    row = next((row for row in rows if row.email), None)
    if row is not None:
        raise CreditsError(
            Problem(
                "this file sets people's private email addresses, which takes the permission "
                "“Can see and set people's private email addresses”; you do not have it. "
                "Remove the email column, or ask someone who has it to import the file.",
                row.row,
                "email",
            )
        )


def _plan_people_file(rows, source):
    """plan_people, its problems naming the file: the credits file's own come later."""
    try:
        return plan_people(rows, source)
    except CreditsError as error:
        name = source or "The people file"
        raise CreditsError([f"{name}: {problem}" for problem in error.problems]) from error


def plan_import(project, rows, mode=ADD, same_people=None, people=None):
    """build_plan; with a people file's PeoplePlan `people`, as if it were imported first.

    The people file is written to plan the credits, then rolled back: the plan sees
    the people it creates and the spellings it adds, as the import will.
    """
    if people is None:
        return build_plan(project, rows, mode, same_people)
    with transaction.atomic():
        people_slugs = write_people(people)
        plan = build_plan(project, rows, mode, same_people)
        transaction.set_rollback(True)
    plan.people, plan.people_slugs = people, people_slugs
    return plan


def write_plan(plan, rows, *, user=None, source="", progress=None, wait_seconds=None):
    """Write `plan`, made from `rows`, in one transaction, if it still holds under the lock.

    A plan with a people file writes it first, in the same transaction and change set.
    Raises CreditsError, having written nothing, if the project is gone or its credits
    or people changed since the plan was made; ProjectBusy if `wait_seconds` pass
    before the project's lock is free (see lock_projects).
    """
    try:
        with transaction.atomic():
            # Two imports into one project take turns here; the second finds the
            # first one's changes when it plans again.
            locked = lock_project(plan.project, wait_seconds=wait_seconds)
            if locked is None:
                raise CreditsError(
                    f'The project "{plan.project}" no longer exists; nothing was imported.'
                )
            with recording_import(plan, user, source):
                people_slugs = _write_people_again(plan, user)
                again = build_plan(locked, rows, plan.mode, plan.same_people)
                again.people, again.people_slugs = plan.people, people_slugs
                if again.digest() != plan.digest():
                    raise CreditsError(
                        "The credits in the database changed while this import was being "
                        "prepared, so nothing was imported. Run it again to see what it would "
                        "change now."
                    )
                apply_plan(again, user=user, source=source, progress=progress)
            _record(plan, locked, user, source)
    except DatabaseError as error:
        raise CreditsError(
            f"The database refused the import, so nothing was imported ({error}). "
            "Another change may have been saved at the same moment; try again."
        ) from error


def _write_people_again(plan, user):
    """Write the plan's people file, if it has one, as planned; {pk: slug} of the new people."""
    if plan.people is None:
        return {}
    people = plan_people(plan.people.rows, plan.people.source)
    if people.digest() != plan.people.digest():
        raise CreditsError(
            "The people in the database changed while this import was being prepared, so "
            "nothing was imported. Run it again to see what it would change now."
        )
    return write_people(people, user=user, source=plan.people.source)


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


def apply_plan(plan, *, user=None, source="", progress=None):
    """Write a plan with bulk queries, each row's history with it; call inside a transaction."""
    changes = plan.changes
    now = timezone.now()
    added = bulk.Stamp(user, (f"Imported from {source}" if source else "Import")[:100], now)
    removed = bulk.Stamp(
        user,
        (f"Removed by a sync import of {source}" if source else "Removed by a sync import")[:100],
        now,
    )
    bulk.remove(Credit, list(changes.removed_credits.values()), removed)
    bulk.remove(Team, [team.pk for team in changes.removed_teams], removed)
    bulk.remove(Section, [section.pk for section in changes.removed_sections], removed)

    sections = {
        new: Section(project=plan.project, title=new.title, position=position)
        for new, position in changes.new_sections.items()
    }
    bulk.create(Section, list(sections.values()), added)
    _move(Section, changes.positions, ExistingSection, added)
    teams = {
        new: Team(section_id=_pk(new.section, sections), name=new.name, position=position)
        for new, position in changes.new_teams.items()
    }
    bulk.create(Team, list(teams.values()), added)
    _move(Team, changes.positions, ExistingTeam, added)
    people = _create_people(changes.new_people, changes.emails, added)
    bulk.create(
        Alias,
        [Alias(person_id=alias.person.pk, name=alias.name) for alias in changes.new_aliases],
        added,
    )
    _change_sort_names(changes.sort_names, added)
    _change_emails(changes.emails)
    _create_credits(changes.new_credits, sections, teams, people, added, progress)
    invalidate_pages()


def new_slugs(new_people):
    """A free address for each new person (anything with a name), chosen when writing."""
    if not new_people:
        return []
    taken = set(Person.objects.values_list("slug", flat=True))
    taken.update(PersonRedirect.objects.values_list("old_slug", flat=True))
    slugs = []
    for person in new_people:
        slug = numbered_slug(slug_base(person.name), taken)
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _create_people(new_people, email_changes, stamp):
    """Insert the new people, with the addresses the file gives them, and their history rows.

    Rows of values, not Person objects: building 50,000 model instances took longer
    than writing them.
    """
    if not new_people:
        return {}
    emails = {change.person: change.new for change in email_changes}
    fields = [field for field in Person._meta.concrete_fields if not field.primary_key]
    # What bulk_create would save of a person with no more than a name.
    blank = {field.attname: field.pre_save(Person(), True) for field in fields}
    rows = [
        tuple(
            {
                **blank,
                "name": new.name,
                "sort_name": sort_name,
                "sort_key": sort_key(new.name, sort_name),
                "slug": slug,
                "email": emails.get(new, ""),
            }.values()
        )
        for (new, sort_name), slug in zip(new_people.items(), new_slugs(new_people), strict=True)
    ]
    return dict(zip(new_people, bulk.insert(Person, fields, rows, stamp), strict=True))


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
        people,
        Person,
        ["sort_name", "sort_key"],
        batch_size=bulk.BATCH_SIZE,
        **stamp.for_simple_history(),
    )


def _change_emails(changes):
    """Set the addresses of existing people; their undo is recorded with the change set.

    No history record: the history holds no addresses, which every editor could read.
    """
    changes = [change for change in changes if isinstance(change.person, ExistingPerson)]
    if not changes:
        return
    emails = {change.person.pk: change.new for change in changes}
    people = list(Person.objects.filter(pk__in=emails).only("pk", "email"))
    record_emails([(person.pk, person.email, emails[person.pk]) for person in people])
    for person in people:
        person.email = emails[person.pk]
    Person.objects.bulk_update(people, ["email"], batch_size=bulk.BATCH_SIZE)


def _create_credits(credits, sections, teams, people, stamp, progress):
    """Insert the credits and their history rows; `people` are the new people's pks."""
    fields = [Credit._meta.get_field(name) for name in ("person", "section", "team", "title")]
    rows = [
        (
            people.get(credit.person) or credit.person.pk,
            None if credit.place.team else _pk(credit.place.section, sections),
            _pk(credit.place.team, teams) if credit.place.team else None,
            credit.title,
        )
        for credit in credits
    ]
    bulk.insert(Credit, fields, rows, stamp, progress)


def _move(model, positions, kind, stamp):
    """Give the existing sections (or teams) of `positions` their new positions."""
    positions = {
        thing.pk: position for thing, position in positions.items() if isinstance(thing, kind)
    }
    if positions:
        objects = list(model.objects.filter(pk__in=positions))
        for obj in objects:
            obj.position = positions[obj.pk]
        bulk_update_with_history(
            objects, model, ["position"], batch_size=bulk.BATCH_SIZE, **stamp.for_simple_history()
        )
