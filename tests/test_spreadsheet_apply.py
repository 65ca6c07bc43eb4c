import gc
import time
from dataclasses import asdict

import pytest
from django.contrib.admin.models import LogEntry
from django.db import IntegrityError, connection, transaction

from people.models import Credit, Person, Project, ProjectBusy, Section, Team, lock_project
from people.pages import project_page
from people.spreadsheet.apply import apply_plan, import_credits
from people.spreadsheet.format import CreditsError, read_credits
from people.spreadsheet.plan import SYNC, build_plan
from tests.spreadsheets import (
    GPT4V_CSV,
    csv_file,
    database_rows,
    empty_the_database,
    locked_elsewhere,
    page,
    run_import,
)

pytestmark = pytest.mark.django_db


def test_import_builds_the_page_in_the_files_order(make_project):
    project = make_project()
    data = csv_file(
        "Research,,Raul Puri,Research engineering lead",
        'Research,,Jamie Kiros,"Overall lead, optimization lead"',
        "Research,Architecture,Mark Chen,",
        "Research,Architecture,Casey Chu,Reviewer",
        "Additional contributions,,Greg Brockman,",
        "Additional contributions,Legal,Filippo Raso,",
        "Research,Data,Alex Karpenko,",
    )

    plan = run_import(project, data)

    assert plan.summary() == "7 new credits, 0 unchanged; 7 new people, 2 new sections, 4 new teams"
    assert page(project) == [
        (
            "Research",
            [
                ("Jamie Kiros", "Overall lead, optimization lead"),
                ("Raul Puri", "Research engineering lead"),
            ],
            [
                ("Architecture", [("Mark Chen", ""), ("Casey Chu", "Reviewer")]),
                ("Data", [("Alex Karpenko", "")]),
            ],
        ),
        (
            "Additional contributions",
            [],
            [("", [("Greg Brockman", "")]), ("Legal", [("Filippo Raso", "")])],
        ),
    ]


def test_new_people_get_sort_keys_and_unique_ascii_slugs(make_project, make_person):
    project = make_project()
    make_person("Łukasz Kondraciuk", slug="lukasz-kondraciuk")
    data = csv_file("Research,Infra,Łukasz Kondraciuk,", "Research,Infra,Lukasz Kondraciuk,")

    run_import(project, data)

    newcomer = Person.objects.get(name="Lukasz Kondraciuk")
    assert newcomer.slug == "lukasz-kondraciuk-2"
    assert newcomer.sort_key == "kondraciuk\tlukasz"


def test_reimporting_an_unchanged_file_writes_nothing(make_project):
    project = make_project()
    data = GPT4V_CSV.read_bytes()
    run_import(project, data)
    before = database_rows()

    plan = run_import(project, data, mode=SYNC)

    assert plan.summary() == "0 new credits, 210 unchanged, 0 removed"
    assert not plan.has_changes
    assert database_rows() == before


def test_an_import_is_recorded_in_history_with_who_and_why(make_project, django_user_model):
    project = make_project()
    user = django_user_model.objects.create_user("importer", is_staff=True)

    run_import(project, csv_file("Research,Data,Ann Beta,"), user=user, source="team.csv")

    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.get_change_message()) == (
        user,
        str(project.pk),
        "Imported credits from team.csv (add mode): "
        "1 new credit, 0 unchanged; 1 new person, 1 new section, 1 new team.",
    )
    role, record = Credit.objects.get(), Credit.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        user,
        "Imported from team.csv",
    )
    assert (record.id, record.person_id, record.team_id, record.title) == (
        role.pk,
        role.person_id,
        role.team_id,
        "",
    )
    assert record.history_date == Person.history.get().history_date
    assert list(Person.history.values_list("name", "history_type")) == [("Ann Beta", "+")]


def test_a_sync_removes_in_bulk_and_records_who_and_why(
    make_project, django_user_model, django_assert_max_num_queries
):
    project = make_project()
    user = django_user_model.objects.create_user("importer", is_staff=True)
    run_import(
        project,
        csv_file(
            "Research,,Ann Beta,Lead",
            *(f"Research,Team {n % 3},Person {n:03},Member {n}" for n in range(300)),
            "Other,Legal,Cy Dee,",
        ),
    )
    kept = Credit.objects.get(person__name="Person 000")
    removed = {
        role.pk: (role.person_id, role.section_id, role.team_id, role.title)
        for role in Credit.objects.exclude(pk=kept.pk)
    }

    with django_assert_max_num_queries(40):
        run_import(
            project,
            csv_file("Research,Team 0,Person 000,Member 0"),
            mode=SYNC,
            user=user,
            source="short.csv",
        )

    assert list(Credit.objects.all()) == [kept]
    reason = "Removed by a sync import of short.csv"
    records = Credit.history.filter(history_type="-")
    assert {
        record.id: (record.person_id, record.section_id, record.team_id, record.title)
        for record in records
    } == removed
    assert set(records.values_list("history_user", "history_change_reason")) == {(user.pk, reason)}
    removed_places = [
        (record.history_type, record.history_user, record.history_change_reason, str(record.name))
        for record in Team.history.filter(history_type="-").order_by("name")
    ] + [
        (record.history_type, record.history_user, record.history_change_reason, record.title)
        for record in Section.history.filter(history_type="-")
    ]
    assert removed_places == [
        ("-", user, reason, "Legal"),
        ("-", user, reason, "Team 1"),
        ("-", user, reason, "Team 2"),
        ("-", user, reason, "Other"),
    ]


def test_the_garbage_collector_is_paused_while_importing_and_resumed_after(
    make_project, make_person
):
    project = make_project()
    make_person("John Smith")
    make_person("John Smith")
    while_writing = []

    run_import(
        project,
        csv_file("Research,Data,Ann Beta,"),
        progress=lambda done, total: while_writing.append(gc.isenabled()),
    )
    with pytest.raises(CreditsError):
        run_import(project, csv_file("Research,Data,John Smith,"))

    assert while_writing == [False]
    assert gc.isenabled()


def test_a_database_error_while_applying_rolls_back_everything(make_project, make_section):
    project = make_project()
    rows = read_credits(csv_file("Research,Data,Ann Beta,"))
    plan = build_plan(project, rows)
    # Someone else adds the section between planning and writing.
    make_section(project, "research")
    before = database_rows()

    with pytest.raises(IntegrityError), transaction.atomic():
        apply_plan(plan)

    assert database_rows() == before


def test_an_address_taken_since_planning_is_left_to_its_owner(make_project, make_person):
    project = make_project()
    rows = read_credits(csv_file("Research,Data,Ann Beta,"))
    plan = build_plan(project, rows)
    someone_else = make_person("Someone Else", slug="ann-beta")

    with transaction.atomic():
        apply_plan(plan)

    assert Person.objects.get(name="Ann Beta").slug == "ann-beta-2"
    assert Person.objects.get(slug="ann-beta") == someone_else


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks for another connection"
)
def test_a_project_locked_by_another_connection_is_busy_after_the_wait(make_project):
    project = make_project()

    with locked_elsewhere(project):
        started = time.monotonic()
        with pytest.raises(ProjectBusy) as error, transaction.atomic():
            lock_project(project, wait_seconds=0.5)
        waited = time.monotonic() - started
    with transaction.atomic():
        locked_once_free = lock_project(project, wait_seconds=0.5)

    assert str(error.value) == "An import is running on this project; try again when it finishes."
    assert 0.4 < waited < 3
    assert locked_once_free == project


def test_the_project_is_gone_by_the_time_of_writing(make_project):
    project = make_project()
    rows = read_credits(csv_file("Research,Data,Ann Beta,"))
    Project.objects.filter(pk=project.pk).delete()
    before = database_rows()

    with pytest.raises(CreditsError) as error:
        import_credits(project, rows)

    message = 'The project "Example credits" no longer exists; nothing was imported.'
    assert str(error.value) == message
    assert database_rows() == before


def shown(value):
    """The page data without database ids, which differ between two loads of one page.

    Other spellings (aliases) are left out too: the CSV does not carry them.
    """
    if isinstance(value, dict):
        return {
            key: shown(item) for key, item in value.items() if key not in ("person_id", "aliases")
        }
    if isinstance(value, list):
        return [shown(item) for item in value]
    return value


def test_the_gpt4v_csv_gives_the_same_page_as_the_json_fixture(gpt4v, make_project):
    expected, expected_sections = page(gpt4v), shown(asdict(project_page(gpt4v))["sections"])
    empty_the_database()
    project = make_project("GPT-4V", "gpt-4v", is_published=False)

    plan = run_import(project, GPT4V_CSV.read_bytes())

    assert page(project) == expected
    # What the page shows of each section: anchors, names, links to people, titles.
    assert shown(asdict(project_page(project))["sections"]) == expected_sections
    assert len(plan.changes.new_credits) == 210
    assert [len(section[2]) for section in expected] == [9, 3, 8, 5]
