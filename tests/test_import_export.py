import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import IntegrityError, transaction

from people.credits_csv import CreditsError, read_credits
from people.credits_import import apply_plan, import_credits
from people.credits_plan import ADD, SYNC, build_plan
from people.models import Alias, Person, Project, Role, Section, Team
from people.resources import export_credits_csv

pytestmark = pytest.mark.django_db

HEADER = "section,team,person,role"
FIXTURES = settings.BASE_DIR / "fixtures"


def csv_file(*rows, header=HEADER):
    return ("\n".join([header, *rows]) + "\n").encode()


def run_import(project, data, mode=ADD, **options):
    """Import bytes the way the admin and the command line do."""
    return import_credits(project, read_credits(data), mode, **options)


def database_rows():
    """The number of rows of every model the import could touch, history included."""
    models = [*apps.get_app_config("people").get_models(), LogEntry]
    return {model._meta.label: model.objects.count() for model in models}


def page(project):
    """The credits as the page shows them: sections with lead lines, teams and members."""

    def people(roles):
        roles = sorted(roles, key=lambda r: (r.person.sort_key, r.person.name, r.person_id, r.pk))
        return [(role.person.name, role.title) for role in roles]

    return [
        (
            section.title,
            people(section.leads.select_related("person")),
            [
                (team.name, people(team.roles.select_related("person")))
                for team in section.teams.order_by("position", "id")
            ],
        )
        for section in project.sections.order_by("position", "id")
    ]


def add_person(name, **fields):
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    return Person.objects.create(name=name, **fields)


@pytest.fixture
def project():
    return Project.objects.create(title="Example credits", slug="example")


# Importing


def test_import_builds_the_page_in_the_files_order(project):
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


def test_new_people_get_sort_keys_and_unique_ascii_slugs(project):
    add_person("Łukasz Kondraciuk", slug="lukasz-kondraciuk")
    data = csv_file("Research,Infra,Łukasz Kondraciuk,", "Research,Infra,Lukasz Kondraciuk,")

    run_import(project, data)

    newcomer = Person.objects.get(name="Lukasz Kondraciuk")
    assert newcomer.slug == "lukasz-kondraciuk-2"
    assert newcomer.sort_key == "kondraciuk, lukasz"


def test_people_are_matched_by_name_or_alias_ignoring_case_spaces_and_unicode_form(project):
    boyd = add_person("Madeline Boyd")
    Alias.objects.create(person=boyd, name="Madelaine Boyd")
    mely = add_person("David Mélý", slug="david-mely")
    data = csv_file(
        "Research,Data,  madelaine   BOYD ,",
        "Research,Evals,MADELINE BOYD,",
        "Research,Data,David Me\u0301ly\u0301,",  # decomposed accents (NFD)
    )

    plan = run_import(project, data)

    assert plan.new_people == []
    assert Person.objects.count() == 2
    assert sorted(Role.objects.values_list("person__name", "team__name")) == [
        ("David Mélý", "Data"),
        ("Madeline Boyd", "Data"),
        ("Madeline Boyd", "Evals"),
    ]
    assert mely.roles.count() == 1


def test_new_names_that_resemble_someone_are_flagged(project):
    add_person("Madeleine Boyd")
    add_person("Daniel Levy")
    data = csv_file(
        "Research,Data,Madeline Boyd,",
        "Research,Data,Dan Levy,",
        "Research,Data,Filippo Rasso,",
        "Research,Legal,Filippo Raso,",
        "Research,Data,Alec Radford,",
    )

    plan = run_import(project, data, dry_run=True)

    assert [(p.name, p.similar) for p in plan.new_people] == [
        ("Madeline Boyd", "Madeleine Boyd"),
        ("Dan Levy", "Daniel Levy"),
        ("Filippo Rasso", ""),
        ("Filippo Raso", "Filippo Rasso (row 4)"),
        ("Alec Radford", ""),
    ]


def test_a_name_matching_two_people_is_an_error(project):
    add_person("John Smith", slug="john-smith")
    add_person("John Smith", slug="john-smith-2")
    before = database_rows()

    with pytest.raises(CreditsError) as error:
        run_import(project, csv_file("Research,Data,Ada Lovelace,", "Research,Data,john smith,"))

    assert str(error.value) == (
        'Row 3, column person: "john smith" matches 2 people (John Smith, John Smith); '
        "merge them or rename one before importing."
    )
    assert database_rows() == before


def test_sort_name_column_sets_the_sort_key_of_new_and_existing_people(project):
    add_person("Diogo Almeida", slug="diogo-almeida")
    data = csv_file(
        'Research,Data,Diogo Almeida,,"Moitinho de Almeida, Diogo"',
        "Research,Data,Zed Aaron,,Aaron Zed",
        "Research,Data,Ann Beta,,",
        header=HEADER + ",sort_name",
    )

    plan = run_import(project, data)

    assert plan.sort_names == [("Diogo Almeida", "", "Moitinho de Almeida, Diogo")]
    assert Person.objects.get(name="Diogo Almeida").sort_key == "moitinho de almeida, diogo"
    assert Person.objects.get(name="Zed Aaron").sort_name == "Aaron Zed"
    assert [name for name, _title in page(project)[0][2][0][1]] == [
        "Zed Aaron",
        "Ann Beta",
        "Diogo Almeida",
    ]


def test_two_sort_names_for_one_person_are_an_error(project):
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


def test_exact_duplicate_rows_are_imported_once_and_reported(project):
    data = csv_file(
        "Research,Data,Ann Beta,",
        "Research,Evals,Ann Beta,",
        "Research,Data,Ann Beta,",
        "research, data ,ANN BETA,",
    )

    plan = run_import(project, data)

    assert plan.duplicates == [(4, 2), (5, 2)]
    assert plan.summary() == (
        "2 new credits, 0 unchanged; 1 new person, 1 new section, 2 new teams, "
        "2 duplicate rows imported once"
    )
    assert Role.objects.count() == 2


def test_add_mode_adds_what_is_new_and_changes_nothing_else(project):
    run_import(project, csv_file("Research,,Ann Beta,Lead", "Research,Data,Cy Dee,"))
    before = page(project)

    plan = run_import(project, csv_file("Research,Data,Cy Dee,", "Research,Data,Eve Fox,"))

    assert plan.summary() == "1 new credit, 1 unchanged; 1 new person"
    assert page(project) == [
        ("Research", [("Ann Beta", "Lead")], [("Data", [("Cy Dee", ""), ("Eve Fox", "")])])
    ]
    assert before[0][1] == [("Ann Beta", "Lead")]


def test_sync_mode_makes_the_credits_exactly_the_file(project):
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

    assert [(c.section, c.team, c.person, c.title) for c in plan.removed] == [
        ("Research", None, "Ann Beta", "Lead"),
        ("Research", "Evals", "Eve Fox", ""),
    ]
    assert plan.removed_teams == [("Research", "Evals")]
    assert plan.summary() == (
        "0 new credits, 2 unchanged, 2 removed; 1 team removed, 2 sections or teams moved"
    )
    assert page(project) == [
        ("Safety", [], [("Red team", [("Gil Ho", "")])]),
        ("Research", [], [("Data", [("Cy Dee", "")])]),
    ]
    assert Person.objects.filter(name="Ann Beta").exists()


def test_reimporting_an_unchanged_file_writes_nothing(project):
    data = (FIXTURES / "gpt4v.csv").read_bytes()
    run_import(project, data)
    before = database_rows()

    plan = run_import(project, data, mode=SYNC)

    assert plan.summary() == "0 new credits, 210 unchanged, 0 removed"
    assert not plan.has_changes
    assert database_rows() == before


def test_an_import_is_recorded_in_history_with_who_and_why(project, django_user_model):
    user = django_user_model.objects.create_user("importer", is_staff=True)

    run_import(project, csv_file("Research,Data,Ann Beta,"), user=user, source="team.csv")

    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.get_change_message()) == (
        user,
        str(project.pk),
        "Imported credits from team.csv (add mode): "
        "1 new credit, 0 unchanged; 1 new person, 1 new section, 1 new team.",
    )
    record = Role.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        user,
        "Imported from team.csv",
    )


def test_a_database_error_while_applying_rolls_back_everything(project):
    rows = read_credits(csv_file("Research,Data,Ann Beta,"))
    plan = build_plan(project, rows)
    # Someone else takes the slug between planning and writing.
    add_person("Someone Else", slug="ann-beta")
    before = database_rows()

    with pytest.raises(IntegrityError), transaction.atomic():
        apply_plan(plan)

    assert database_rows() == before


def test_the_project_is_gone_by_the_time_of_writing(project):
    rows = read_credits(csv_file("Research,Data,Ann Beta,"))
    Project.objects.filter(pk=project.pk).delete()
    before = database_rows()

    with pytest.raises(CreditsError) as error:
        import_credits(project, rows)

    message = 'The project "Example credits" no longer exists; nothing was imported.'
    assert str(error.value) == message
    assert database_rows() == before


# Bad input: a clear error, and nothing changed

BAD_FILES = {
    "missing column": (
        b"section,team,person\nResearch,,Ann Beta\n",
        'Row 1: missing column "role". The first row must name the columns: '
        "section, team, person, role (and optionally sort_name).",
    ),
    "missing columns": (
        b"person\nAnn Beta\n",
        'Row 1: missing columns "section", "team", "role". The first row must name the '
        "columns: section, team, person, role (and optionally sort_name).",
    ),
    "unknown column": (
        b"Section,TEAM,person,role,email\nResearch,,Ann Beta,Lead,ann@example.com\n",
        'Row 1: unknown column "email". The columns are section, team, person, role '
        "(and optionally sort_name).",
    ),
    "column twice": (
        b"section,team,person,role,person\nResearch,,Ann Beta,Lead,Ann\n",
        'Row 1: the column "person" appears twice.',
    ),
    "empty section": (
        csv_file("Research,Data,Ann Beta,", ",Data,Cy Dee,"),
        "Row 3, column section: the section is empty.",
    ),
    "empty person": (
        csv_file("Research,Data,   ,"),
        "Row 2, column person: the person is empty.",
    ),
    "value too long": (
        csv_file("Research,Data,Ann Beta,", "Research,Data,Cy Dee," + "x" * 201),
        "Row 3, column role: 201 characters; at most 200 are allowed.",
    ),
    "invalid UTF-8": (
        csv_file("Research,Data,Ann Beta,") + "Research,Data,René Roux,\n".encode("latin-1"),
        "The file must be UTF-8 encoded: row 3, column person has characters that are not "
        'UTF-8. In your spreadsheet, save the file as "CSV UTF-8 (comma-delimited)".',
    ),
    "UTF-16": (
        csv_file("Research,Data,Ann Beta,").decode().encode("utf-16"),
        "The file must be UTF-8 encoded; this one is UTF-16. In your spreadsheet, save the "
        'file as "CSV UTF-8 (comma-delimited)".',
    ),
    "semicolons": (
        b"section;team;person;role\nResearch;;Ann Beta;Lead\n",
        "Row 1: the file looks semicolon-separated; columns must be separated by commas. In "
        'your spreadsheet, save the file as "CSV UTF-8 (comma-delimited)".',
    ),
    "tabs": (
        b"section\tteam\tperson\trole\nResearch\t\tAnn Beta\tLead\n",
        "Row 1: the file looks tab-separated; columns must be separated by commas. In your "
        'spreadsheet, save the file as "CSV UTF-8 (comma-delimited)".',
    ),
    "empty file": (b"", "The file is empty."),
    "blank lines only": (b"\r\n\r\n", "The file is empty."),
    "header only": (
        b"\xef\xbb\xbfsection,team,person,role\r\n",
        "The file has a header but no rows of credits.",
    ),
    "NUL byte": (
        csv_file("Research,Data,Ann\x00Beta,"),
        "Row 2, column person: the cell contains a NUL byte; the file must be a plain UTF-8 "
        "CSV file.",
    ),
    "broken quotes": (
        csv_file('Research,"Data"x,Ann Beta,'),
        "Row 2: this is not valid CSV (',' expected after '\"'); check the quotes in this row.",
    ),
    "value without a column": (
        csv_file("Research,Data,Ann Beta,,Lead"),
        "Row 2, column E: a value in a column without a name in the header; quote values that "
        "contain commas.",
    ),
}


@pytest.mark.parametrize("data, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_refused_with_a_message_naming_the_place(project, data, message):
    run_import(project, csv_file("Research,Data,Someone Already,"))
    before = database_rows()

    with pytest.raises(CreditsError) as error:
        run_import(project, data)

    assert str(error.value) == message
    assert database_rows() == before


def test_every_bad_row_is_listed(project):
    data = csv_file("Research,Data,Ann Beta,", ",Data,,", "Research,,Cy Dee,", "x" * 201 + ",,Ed,")

    with pytest.raises(CreditsError) as error:
        run_import(project, data)

    assert str(error.value).splitlines() == [
        "Row 3, column section: the section is empty.",
        "Row 3, column person: the person is empty.",
        "Row 5, column section: 201 characters; at most 200 are allowed.",
    ]
    assert Role.objects.count() == 0


def test_rows_are_counted_as_a_spreadsheet_shows_them(project):
    data = b'section,team,person,role\r\n\r\nResearch,Data,"Ann\r\nBeta",\r\n,Data,Cy Dee,\r\n'

    with pytest.raises(CreditsError) as error:
        run_import(project, data)

    assert str(error.value) == "Row 4, column section: the section is empty."


def test_bom_crlf_and_quoted_commas_are_read(project):
    data = '\ufeffSection,Team,Person,Role\r\nRésearch,"Data, eval",Łukasz,"Lead, and more"\r\n'

    run_import(project, data.encode())

    assert page(project) == [("Résearch", [], [("Data, eval", [("Łukasz", "Lead, and more")])])]


def test_formula_cells_are_stored_as_text_and_escaped_on_export(project):
    data = csv_file(
        'Research,Data,=HYPERLINK("http://x"),',
        "Research,Data,+Plus,",
        "Research,Data,-Minus,",
        "Research,Data,@Sum,",
        "Research,Data,Ann Beta,\t=1+1",
        "Research,Data,'Quoted,",
    )

    run_import(project, data)

    assert set(Person.objects.values_list("name", flat=True)) == {
        '=HYPERLINK("http://x")',
        "+Plus",
        "-Minus",
        "@Sum",
        "Ann Beta",
        "'Quoted",
    }
    assert Role.objects.get(person__name="Ann Beta").title == "=1+1"
    assert export_credits_csv(project) == (
        "section,team,person,role\n"
        "Research,Data,'Quoted,\n"
        "Research,Data,'+Plus,\n"
        "Research,Data,'-Minus,\n"
        'Research,Data,"\'=HYPERLINK(""http://x"")",\n'
        "Research,Data,'@Sum,\n"
        "Research,Data,Ann Beta,'=1+1\n"
    )


def test_escaping_on_export_is_undone_on_import(project):
    team = Team.objects.create(
        section=Section.objects.create(project=project, title="=S"), name="-T"
    )
    for number, name in enumerate(["=A", "'=B", "''@C", "'D"]):
        Role.objects.create(person=add_person(name, slug=f"p{number}"), team=team)
    exported = export_credits_csv(project)
    other = Project.objects.create(title="Copy", slug="copy")

    run_import(other, exported.encode())

    assert page(other) == page(project)
    assert export_credits_csv(other) == exported
    assert "'=S,'-T,'''@C,\n" in exported


def test_html_in_names_is_stored_as_text(project):
    run_import(project, csv_file("<i>Research</i>,Data,<script>alert(1)</script> Ann,"))

    assert Person.objects.get().name == "<script>alert(1)</script> Ann"
    assert Section.objects.get().title == "<i>Research</i>"


# Exporting


def test_export_writes_page_order_lf_and_no_bom(project):
    run_import(
        project,
        csv_file(
            "Research,Data,Zoe Adams,",
            'Research,,Cy Dee,"Overall lead, optimization lead"',
            "Research,Data,Łukasz Kondraciuk,",
            "Research,,Ann Beta,Lead",
            "Safety,,Eve Fox,Lead",
            "Research,Evals,Ann Beta,",
        ),
    )

    data = export_credits_csv(project).encode()

    expected = (
        "section,team,person,role\n"
        "Research,,Ann Beta,Lead\n"
        'Research,,Cy Dee,"Overall lead, optimization lead"\n'
        "Research,Data,Zoe Adams,\n"
        "Research,Data,Łukasz Kondraciuk,\n"
        "Research,Evals,Ann Beta,\n"
        "Safety,,Eve Fox,Lead\n"
    )
    assert data == expected.encode()


def test_export_has_a_sort_name_column_only_when_someone_has_one(project):
    run_import(project, csv_file("Research,Data,Ann Beta,", "Research,Data,Cy Dee,"))
    without = export_credits_csv(project)
    Person.objects.filter(name="Cy Dee").update(sort_name="Aaa, Cy", sort_key="aaa, cy")

    with_sort_name = export_credits_csv(project)

    assert without == "section,team,person,role\nResearch,Data,Ann Beta,\nResearch,Data,Cy Dee,\n"
    assert with_sort_name == (
        "section,team,person,role,sort_name\n"
        'Research,Data,Cy Dee,,"Aaa, Cy"\n'
        "Research,Data,Ann Beta,,\n"
    )


def test_export_of_selected_roles(project):
    run_import(project, csv_file("Research,Data,Ann Beta,", "Research,Data,Cy Dee,"))

    data = export_credits_csv(project, Role.objects.filter(person__name="Cy Dee"))

    assert data == "section,team,person,role\nResearch,Data,Cy Dee,\n"


def empty_the_database():
    for model in ["Mention", "Acknowledgment", "Resource", "Role", "Team", "Section", "Project"]:
        apps.get_model("people", model).objects.all().delete()
    for model in ["Alias", "PersonRedirect", "DistinctPair", "Person"]:
        apps.get_model("people", model).objects.all().delete()


def test_export_then_import_into_an_empty_database_gives_the_same_page_and_bytes():
    call_command("loaddata", FIXTURES / "gpt4v.json", verbosity=0)
    gpt4v = Project.objects.get(slug="gpt-4v")
    Person.objects.filter(name="Diogo Moitinho de Almeida").update(sort_name="Almeida, Diogo")
    exported = export_credits_csv(gpt4v)
    original = page(gpt4v)
    empty_the_database()
    project = Project.objects.create(title="GPT-4V", slug="gpt-4v")

    run_import(project, exported.encode())

    assert page(project) == original
    assert export_credits_csv(project) == exported
    assert exported.startswith("section,team,person,role,sort_name\n")


def test_the_gpt4v_csv_gives_the_same_page_as_the_json_fixture():
    call_command("loaddata", FIXTURES / "gpt4v.json", verbosity=0)
    expected = page(Project.objects.get(slug="gpt-4v"))
    empty_the_database()
    project = Project.objects.create(title="GPT-4V", slug="gpt-4v")

    plan = run_import(project, (FIXTURES / "gpt4v.csv").read_bytes())

    assert page(project) == expected
    assert len(plan.new_credits) == 210
    assert [len(section[2]) for section in expected] == [9, 3, 8, 5]
