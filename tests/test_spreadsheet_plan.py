import pytest

from people.models import Alias, Credit, Person
from people.spreadsheet.format import CreditsError, read_credits
from people.spreadsheet.plan import (
    SYNC,
    ExistingPerson,
    ExistingSection,
    NewPerson,
    NewTeam,
    Place,
    PlannedCredit,
    build_plan,
    look_alikes,
)
from tests.spreadsheets import HEADER, csv_file, database_rows, listed, page, run_import

pytestmark = pytest.mark.django_db


def test_a_plan_names_what_exists_and_what_is_new(make_project, make_section, make_person):
    project = make_project()
    research = make_section(project, "Research")
    ann = make_person("Ann Beta")
    rows = read_credits(csv_file("research,Evals,ANN BETA,", "Research,Evals,Cy Dee,Reviewer"))

    plan = build_plan(project, rows)

    section = ExistingSection(research.pk, "Research")
    evals = NewTeam(section, "Evals")
    cy = NewPerson("Cy Dee", 3)
    assert plan.changes.new_teams == {evals: 1}
    assert plan.changes.new_people == {cy: ""}
    assert plan.changes.new_credits == [
        PlannedCredit(Place(section, evals), ExistingPerson(ann.pk, "Ann Beta"), ""),
        PlannedCredit(Place(section, evals), cy, "Reviewer"),
    ]
    assert listed(plan.changes.new_credits) == [
        ("Research", "Evals", "Ann Beta", ""),
        ("Research", "Evals", "Cy Dee", "Reviewer"),
    ]
    assert [credit.row for credit in plan.changes.new_credits] == [2, 3]
    assert [person.row for person in plan.changes.new_people] == [3]
    assert (plan.changes.new_sections, plan.report.unchanged) == ({}, [])


def test_the_digest_changes_only_when_what_the_import_writes_changes(make_project):
    project = make_project()
    rows = read_credits(csv_file("Research,Data,Ann Beta,", "Research,Data,Cy Dee,"))
    preview = build_plan(project, rows)

    again = build_plan(project, rows)
    run_import(project, csv_file("Research,Data,Ann Beta,"))
    after_another_import = build_plan(project, rows)

    assert again.digest() == preview.digest()
    assert after_another_import.digest() != preview.digest()


# Matching people, sections and teams


def test_people_are_matched_by_name_or_alias_ignoring_case_spaces_and_unicode_form(
    make_project, make_person
):
    project = make_project()
    boyd = make_person("Madeline Boyd")
    Alias.objects.create(person=boyd, name="Madelaine Boyd")
    mely = make_person("David Mélý")
    data = csv_file(
        "Research,Data,  madelaine   BOYD ,",
        "Research,Evals,MADELINE BOYD,",
        "Research,Data,David Me\u0301ly\u0301,",  # decomposed accents (NFD)
    )

    plan = run_import(project, data)

    assert plan.changes.new_people == {}
    assert Person.objects.count() == 2
    assert sorted(Credit.objects.values_list("person__name", "team__name")) == [
        ("David Mélý", "Data"),
        ("Madeline Boyd", "Data"),
        ("Madeline Boyd", "Evals"),
    ]
    assert mely.credits.count() == 1


def test_sections_and_teams_are_matched_ignoring_case(make_project, make_section, make_team):
    project = make_project()
    make_team(make_section(project, "Research"), "Data")
    data = csv_file(
        "research,DATA,Ada Lovelace,",
        "RESEARCH,data,Alan Turing,",
        "Research,Evals,Grace Hopper,",
        "research,EVALS,Alan Turing,",
    )

    plan = run_import(project, data)

    assert plan.changes.new_sections == {}
    assert [(team.section.title, team.name) for team in plan.changes.new_teams] == [
        ("Research", "Evals")
    ]
    assert page(project) == [
        (
            "Research",
            [],
            [
                ("Data", [("Ada Lovelace", ""), ("Alan Turing", "")]),
                ("Evals", [("Grace Hopper", ""), ("Alan Turing", "")]),
            ],
        )
    ]


def test_new_names_that_resemble_someone_are_flagged(make_project, make_person):
    project = make_project()
    make_person("Madeleine Boyd")
    make_person("Daniel Levy")
    data = csv_file(
        "Research,Data,Madeline Boyd,",
        "Research,Data,Dan Levy,",
        "Research,Data,Filippo Rasso,",
        "Research,Legal,Filippo Raso,",
        "Research,Data,Alec Radford,",
    )

    plan = run_import(project, data, dry_run=True)

    assert [(new.person.name, new.look_alike) for new in plan.newcomers] == [
        ("Madeline Boyd", "Madeleine Boyd"),
        ("Dan Levy", "Daniel Levy"),
        ("Filippo Rasso", ""),
        ("Filippo Raso", "Filippo Rasso (row 4)"),
        ("Alec Radford", ""),
    ]


def test_look_alikes_compares_with_every_known_spelling_and_earlier_new_people():
    new_people = [
        NewPerson("Madeline Boyd", 2),
        NewPerson("Bob Smith", 3),
        NewPerson("Bobby Smith", 4),
    ]
    names, aliases = [(1, "Madeleine Boyd")], [(1, "Maddy Boyd")]

    found = look_alikes(new_people, names, aliases)

    assert found == {new_people[0]: "Madeleine Boyd", new_people[2]: "Bob Smith (row 3)"}


def test_a_name_matching_two_people_is_an_error(make_project, make_person):
    project = make_project()
    make_person("John Smith")
    make_person("John Smith")
    before = database_rows()

    with pytest.raises(CreditsError) as error:
        run_import(project, csv_file("Research,Data,Ada Lovelace,", "Research,Data,john smith,"))

    assert str(error.value) == (
        'Row 3, column person: "john smith" matches 2 people (John Smith, John Smith); '
        "merge them or rename one before importing."
    )
    assert database_rows() == before


def test_a_name_of_one_person_and_another_spelling_of_another_is_flagged(make_project, make_person):
    project = make_project()
    madeleine = make_person("Madeleine Boyd")
    madeline = make_person("Madeline Boyd")
    Alias.objects.create(person=madeline, name="Madeleine Boyd")
    data = csv_file(
        "Research,Data,Madeline Boyd,",
        "Research,Data,madeleine boyd,",
        "Research,Evals,Madeleine Boyd,",
    )

    plan = run_import(project, data)

    assert [(s.row, s.name, s.person, s.others) for s in plan.report.shared_names] == [
        (3, "madeleine boyd", "Madeleine Boyd", "Madeline Boyd")
    ]
    assert sorted(madeleine.credits.values_list("team__name", flat=True)) == ["Data", "Evals"]


# Sort names and duplicates


def test_sort_name_column_sets_the_sort_key_of_new_and_existing_people(make_project, make_person):
    project = make_project()
    make_person("Diogo Almeida")
    data = csv_file(
        'Research,Data,Diogo Almeida,,"Moitinho de Almeida, Diogo"',
        "Research,Data,Zed Aaron,,Aaron Zed",
        "Research,Data,Ann Beta,,",
        header=HEADER + ",sort_name",
    )

    plan = run_import(project, data)

    assert [(c.person.name, c.old, c.new) for c in plan.changes.sort_names] == [
        ("Diogo Almeida", "", "Moitinho de Almeida, Diogo")
    ]
    assert Person.objects.get(name="Diogo Almeida").sort_key == "moitinho de almeida\tdiogo"
    assert Person.objects.get(name="Zed Aaron").sort_name == "Aaron Zed"
    assert [name for name, _title in page(project)[0][2][0][1]] == [
        "Zed Aaron",
        "Ann Beta",
        "Diogo Almeida",
    ]


def test_two_sort_names_for_one_person_are_an_error(make_project):
    project = make_project()
    data = csv_file(
        'Research,Data,Ann Beta,,"Beta, Ann"',
        "Research,Evals,ann beta,,Ann Beta",
        header=HEADER + ",sort_name",
    )
    before = database_rows()

    with pytest.raises(CreditsError) as error:
        run_import(project, data)

    assert str(error.value) == (
        'Row 3, column sort_name: "Ann Beta" differs from the sort name "Beta, Ann" '
        "given for ann beta in row 2."
    )
    assert database_rows() == before


def test_exact_duplicate_rows_are_imported_once_and_reported(make_project):
    project = make_project()
    data = csv_file(
        "Research,Data,Ann Beta,",
        "Research,Evals,Ann Beta,",
        "Research,Data,Ann Beta,",
        "research, data ,ANN BETA,",
    )

    plan = run_import(project, data)

    assert [(d.row, d.first) for d in plan.report.duplicates] == [(4, 2), (5, 2)]
    assert plan.summary() == (
        "2 new credits, 0 unchanged; 1 new person, 1 new section, 2 new teams, "
        "2 duplicate rows imported once"
    )
    assert Credit.objects.count() == 2


# Modes


def test_add_mode_adds_what_is_new_and_changes_nothing_else(make_project):
    project = make_project()
    run_import(project, csv_file("Research,,Ann Beta,Lead", "Research,Data,Cy Dee,"))
    before = page(project)

    plan = run_import(project, csv_file("Research,Data,Cy Dee,", "Research,Data,Eve Fox,"))

    assert plan.summary() == "1 new credit, 1 unchanged; 1 new person"
    assert page(project) == [
        ("Research", [("Ann Beta", "Lead")], [("Data", [("Cy Dee", ""), ("Eve Fox", "")])])
    ]
    assert before[0][1] == [("Ann Beta", "Lead")]


def test_sync_mode_makes_the_credits_exactly_the_file(make_project):
    project = make_project()
    run_import(
        project,
        csv_file(
            "Research,,Ann Beta,Lead",
            "Research,Data,Cy Dee,",
            "Research,Evals,Eve Fox,",
            "Safety,Red team,Gil Ho,",
        ),
    )

    plan = run_import(
        project, csv_file("Safety,Red team,Gil Ho,", "Research,Data,Cy Dee,"), mode=SYNC
    )

    assert listed(plan.changes.removed_credits) == [
        ("Research", None, "Ann Beta", "Lead"),
        ("Research", "Evals", "Eve Fox", ""),
    ]
    assert [(team.section.title, team.name) for team in plan.changes.removed_teams] == [
        ("Research", "Evals")
    ]
    assert plan.summary() == (
        "0 new credits, 2 unchanged, 2 removed; 1 team removed, 2 sections or teams moved"
    )
    assert page(project) == [
        ("Safety", [], [("Red team", [("Gil Ho", "")])]),
        ("Research", [], [("Data", [("Cy Dee", "")])]),
    ]
    assert Person.objects.filter(name="Ann Beta").exists()


@pytest.mark.parametrize(
    ("known", "new", "resembles"),
    [
        ("Robert (Bob) Smith", "Bob Smith", "Robert (Bob) Smith"),
        ("Madeleine Boyd", "Madeline Boyd", "Madeleine Boyd"),
        ("José Pérez", "Jose Perez", "José Pérez"),
    ],
)
def test_the_preview_flags_look_alikes_with_the_duplicate_finders_matcher(
    make_project, make_person, known, new, resembles
):
    make_person(known)

    plan = run_import(make_project(), csv_file(f"Research,Data,{new},"), dry_run=True)

    assert [(n.person.name, n.look_alike) for n in plan.newcomers] == [(new, resembles)]


# The editor's decisions on flagged names (same person or new)


def test_a_name_decided_the_same_person_becomes_their_other_spelling(make_project, make_person):
    project = make_project()
    boyd = make_person("Madeleine Boyd")
    data = csv_file("Research,Data,Madeline Boyd,", "Research,Evals,madeline boyd,")
    preview = run_import(project, data, dry_run=True)
    [newcomer] = preview.newcomers

    plan = run_import(
        project, data, expected_digest=preview.digest(), same_people={2: newcomer.same_as}
    )

    assert (newcomer.look_alike, newcomer.same_as) == ("Madeleine Boyd", boyd.pk)
    assert plan.changes.new_people == {}
    assert Person.objects.count() == 1
    assert list(Alias.objects.values_list("person__name", "name")) == [
        ("Madeleine Boyd", "Madeline Boyd")
    ]
    assert sorted(boyd.credits.values_list("team__name", flat=True)) == ["Data", "Evals"]
    assert run_import(project, csv_file("Research,Ops,Madeline Boyd,")).newcomers == []


def test_the_digest_includes_the_decisions(make_project, make_person):
    project = make_project()
    boyd = make_person("Madeleine Boyd")
    rows = read_credits(csv_file("Research,Data,Madeline Boyd,"))

    undecided = build_plan(project, rows)
    decided = build_plan(project, rows, same_people={2: boyd.pk})

    assert decided.digest() != undecided.digest()
    assert decided.digest() == build_plan(project, rows, same_people={2: boyd.pk}).digest()


def test_a_decision_for_a_person_deleted_since_the_preview_imports_nothing(
    make_project, make_person
):
    project = make_project()
    boyd = make_person("Madeleine Boyd")
    boyd_pk = boyd.pk
    data = csv_file("Research,Data,Madeline Boyd,")
    preview = run_import(project, data, dry_run=True)
    boyd.delete()
    before = database_rows()

    with pytest.raises(CreditsError) as error:
        run_import(project, data, expected_digest=preview.digest(), same_people={2: boyd_pk})

    assert 'The person you chose for "Madeline Boyd" no longer exists' in str(error.value)
    assert database_rows() == before


def test_names_that_differ_only_by_accents_are_flagged_and_decidable(make_project, make_person):
    project = make_project()
    jose = make_person("José Pérez")
    data = csv_file("Research,Data,José Perez,")

    preview = run_import(project, data, dry_run=True)
    run_import(project, data, expected_digest=preview.digest(), same_people={2: jose.pk})

    assert [(n.person.name, n.look_alike, n.same_as) for n in preview.newcomers] == [
        ("José Perez", "José Pérez", jose.pk)
    ]
    assert Person.objects.count() == 1
    assert list(jose.aliases.values_list("name", flat=True)) == ["José Perez"]
    assert jose.credits.count() == 1


# Names written family name first


def test_a_family_first_name_matches_the_existing_person(make_project, make_person):
    project = make_project()
    ada = make_person("Ada Lovelace")

    plan = run_import(project, csv_file('Research,Data,"Lovelace, Ada",'))

    assert plan.changes.new_people == {}
    assert [(f.written, f.row, f.name, f.person) for f in plan.report.family_first] == [
        ("Lovelace, Ada", 2, "Ada Lovelace", "Ada Lovelace")
    ]
    assert ada.credits.count() == 1


def test_a_family_first_name_of_no_one_creates_the_person_given_name_first(make_project):
    project = make_project()
    data = csv_file('Research,Data,"Lovelace, Ada",', "Research,Evals,Ada Lovelace,")

    plan = run_import(project, data)

    assert [(f.name, f.person) for f in plan.report.family_first] == [("Ada Lovelace", "")]
    ada = Person.objects.get()
    assert ada.name == "Ada Lovelace"
    assert ada.sort_key.startswith("lovelace")
    assert Credit.objects.count() == 2


@pytest.mark.parametrize(
    "name", ["Martin Luther King, Jr.", "Acme, Inc.", "Lovelace, Ada, Countess", ", Ada"]
)
def test_names_with_a_comma_that_are_not_family_first_are_kept(make_project, name):
    plan = run_import(make_project(), csv_file(f'Research,Data,"{name}",'), dry_run=True)

    assert plan.report.family_first == []
    assert [person.name for person in plan.changes.new_people] == [name]
