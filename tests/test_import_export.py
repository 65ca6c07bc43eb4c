import io
from dataclasses import asdict

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from people.credits_csv import CreditsError, read_credits
from people.credits_import import apply_plan, import_credits
from people.credits_plan import ADD, SYNC, build_plan
from people.models import Alias, ImportUpload, Person, Project, Role, Section, Team
from people.pages import project_page
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
    assert newcomer.sort_key == "kondraciuk\tlukasz"


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


def test_sections_and_teams_are_matched_ignoring_case(project):
    research = Section.objects.create(project=project, title="Research")
    Team.objects.create(section=research, name="Data")
    data = csv_file(
        "research,DATA,Ada Lovelace,",
        "RESEARCH,data,Alan Turing,",
        "Research,Evals,Grace Hopper,",
        "research,EVALS,Alan Turing,",
    )

    plan = run_import(project, data)

    assert plan.new_sections == []
    assert plan.new_teams == [("Research", "Evals")]
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


def test_a_name_of_one_person_and_another_spelling_of_another_is_flagged(project):
    madeleine = add_person("Madeleine Boyd")
    madeline = add_person("Madeline Boyd")
    Alias.objects.create(person=madeline, name="Madeleine Boyd")
    data = csv_file(
        "Research,Data,Madeline Boyd,",
        "Research,Data,madeleine boyd,",
        "Research,Evals,Madeleine Boyd,",
    )

    plan = run_import(project, data)

    assert [(s.row, s.name, s.person, s.others) for s in plan.shared_names] == [
        (3, "madeleine boyd", "Madeleine Boyd", "Madeline Boyd")
    ]
    assert sorted(madeleine.roles.values_list("team__name", flat=True)) == ["Data", "Evals"]


def test_the_import_command_reports_a_name_that_is_also_another_spelling(project, tmp_path):
    add_person("Madeleine Boyd")
    Alias.objects.create(person=add_person("Madeline Boyd"), name="Madeleine Boyd")
    path = tmp_path / "credits.csv"
    path.write_bytes(csv_file("Research,Data,Madeleine Boyd,"))
    out = io.StringIO()

    call_command("import_credits", str(path), "--project", "example", "--dry-run", stdout=out)

    assert out.getvalue().startswith(
        'Row 2: "Madeleine Boyd" is credited to Madeleine Boyd; it is also another spelling of '
        "Madeline Boyd. If they are one person, merge them.\n"
    )


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
    assert Person.objects.get(name="Diogo Almeida").sort_key == "moitinho de almeida\tdiogo"
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
    role, record = Role.objects.get(), Role.history.get()
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


def test_the_gpt4v_csv_gives_the_same_page_as_the_json_fixture():
    call_command("loaddata", FIXTURES / "gpt4v.json", verbosity=0)
    fixture = Project.objects.get(slug="gpt-4v")
    expected, expected_sections = page(fixture), shown(asdict(project_page(fixture))["sections"])
    empty_the_database()
    project = Project.objects.create(title="GPT-4V", slug="gpt-4v")

    plan = run_import(project, (FIXTURES / "gpt4v.csv").read_bytes())

    assert page(project) == expected
    # What the page shows of each section: anchors, names, links to people, titles.
    assert shown(asdict(project_page(project))["sections"]) == expected_sections
    assert len(plan.new_credits) == 210
    assert [len(section[2]) for section in expected] == [9, 3, 8, 5]


# The admin


def upload(client, project, data, mode=ADD, model="role", name="credits.csv"):
    """Post the import form as an editor would: project, mode, file."""
    return client.post(
        reverse(f"admin:people_{model}_import"),
        {
            "project": project.pk,
            "mode": mode,
            "format": "0",
            "import_file": SimpleUploadedFile(name, data, content_type="text/csv"),
        },
    )


def confirm(client, preview, model="role"):
    """Press "Confirm import" on a preview page."""
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:people_{model}_process_import"), data, follow=True)


def text(response):
    return response.content.decode()


@pytest.mark.parametrize("model", ["role", "person"])
def test_admin_import_previews_then_writes_on_confirm(editor_client, editor, project, model):
    add_person("Madeleine Boyd")
    data = csv_file("Safety,,Madeline Boyd,Trust & safety lead", "Safety,Evals,Ann Beta,")
    before = database_rows()

    preview = upload(editor_client, project, data, model=model)

    assert preview.status_code == 200
    page_text = text(preview)
    assert "Madeline Boyd — <strong>did you mean Madeleine Boyd?</strong>" in page_text
    assert (
        "Importing <strong>credits.csv</strong> into <strong>Example credits</strong> (add mode) "
        "will make: 2 new credits, 0 unchanged; 2 new people, 1 new section, 1 new team."
    ) in page_text
    assert bytes(ImportUpload.objects.get().data) == data
    assert {**database_rows(), "people.ImportUpload": 0} == before

    done = confirm(editor_client, preview, model=model)

    assert done.redirect_chain == [(reverse(f"admin:people_{model}_changelist"), 302)]
    assert [str(m) for m in done.context["messages"]] == [
        'Import finished for "Example credits": '
        "2 new credits, 0 unchanged; 2 new people, 1 new section, 1 new team."
    ]
    assert page(project) == [
        (
            "Safety",
            [("Madeline Boyd", "Trust & safety lead")],
            [("Evals", [("Ann Beta", "")])],
        )
    ]
    assert ImportUpload.objects.count() == 0
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_repr) == (editor, "Example credits")
    assert entry.get_change_message() == (
        "Imported credits from credits.csv (add mode): "
        "2 new credits, 0 unchanged; 2 new people, 1 new section, 1 new team."
    )
    record = project.history.latest("history_date")
    assert (record.history_user, record.history_change_reason) == (
        editor,
        "Credits import (add): 2 new, 0 unchanged, 0 removed credits, 2 new people",
    )


def test_admin_preview_flags_a_name_that_is_also_another_persons_other_spelling(
    editor_client, project
):
    add_person("Madeleine Boyd")
    madeline = add_person("Madeline Boyd")
    Alias.objects.create(person=madeline, name="Madeleine Boyd")

    preview = upload(editor_client, project, csv_file("Safety,Evals,Madeleine Boyd,"))

    page_text = " ".join(text(preview).split())
    assert "<h3>Names that are also another person’s other spelling (1)</h3>" in page_text
    assert (
        "Row 2: “Madeleine Boyd” is credited to Madeleine Boyd — <strong>it is also another "
        "spelling of Madeline Boyd.</strong> If they are one person, merge them before importing."
    ) in page_text
    assert preview.context["confirm_form"] is not None


def test_admin_sync_preview_lists_the_credits_to_remove(editor_client, project):
    run_import(project, csv_file("Safety,,Ann Beta,Lead", "Safety,Evals,Cy Dee,"))

    preview = upload(editor_client, project, csv_file("Safety,Evals,Cy Dee,"), mode=SYNC)

    page_text = text(preview)
    assert "0 new credits, 1 unchanged, 1 removed" in page_text
    assert "<h3>Credits to remove (1)</h3>" in page_text
    assert (
        "<td></td>\n            <td>Safety</td>\n            <td>(lead line)</td>\n"
        "            <td>Ann Beta</td>\n            <td>Lead</td>"
    ) in page_text


def test_admin_preview_of_a_large_file_is_a_summary(editor_client, project):
    data = csv_file(*(f"Research,Team {n % 7},Person {n:04},Role {n}" for n in range(600)))

    preview = upload(editor_client, project, data)

    page_text = text(preview)
    assert '<p id="new-credits">600 credits: too many to list here.</p>' in page_text
    assert "Role 42<" not in page_text
    assert preview.context["confirm_form"] is not None


def test_admin_preview_escapes_html_in_names(editor_client, project):
    preview = upload(editor_client, project, csv_file("<b>S</b>,Data,<script>alert(1)</script>,"))

    page_text = text(preview)
    assert "<script>alert(1)</script>" not in page_text
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page_text
    assert "<td>&lt;b&gt;S&lt;/b&gt;</td>" in page_text


def test_admin_bad_file_is_a_form_error_and_nothing_is_kept(editor_client, project):
    before = database_rows()

    response = upload(editor_client, project, csv_file("Research,Data,Ann Beta,", ",Data,Cy,"))

    assert response.status_code == 200
    assert response.context["form"].errors["import_file"] == [
        "Row 3, column section: the section is empty."
    ]
    assert "confirm_form" not in response.context
    assert database_rows() == before


def test_admin_file_over_the_upload_limit_is_a_friendly_form_error(
    editor_client, project, settings
):
    settings.IMPORT_MAX_BYTES = 1000
    data = csv_file(*["Research,Data,Ann Beta,"] * 60)

    response = upload(editor_client, project, data)

    assert response.context["form"].errors["import_file"] == [
        "The file is 1.4\xa0KB; the largest file you can import is 1000\xa0bytes. "
        "Split it into smaller files."
    ]
    assert ImportUpload.objects.count() == 0


def test_admin_plan_error_is_shown_and_the_upload_deleted(editor_client, project):
    add_person("John Smith", slug="john-smith")
    add_person("John Smith", slug="john-smith-2")

    response = upload(editor_client, project, csv_file("Research,Data,John Smith,"))

    page_text = text(response)
    assert "<strong>Nothing was imported.</strong>" in page_text
    assert (
        "Row 2, column person: &quot;John Smith&quot; matches 2 people (John Smith, John Smith)"
        in page_text
    )
    assert "Confirm import" not in page_text
    assert ImportUpload.objects.count() == 0


def assert_failed_confirm(response, message, before):
    page_text = text(response)
    assert response.status_code == 200
    assert "<strong>Nothing was imported.</strong>" in page_text
    assert message in page_text
    assert "Import finished" not in page_text
    assert [str(m) for m in response.context["messages"]] == []
    assert database_rows() == before


def test_admin_confirm_fails_when_the_credits_changed_since_the_preview(editor_client, project):
    data = csv_file("Safety,Evals,Ann Beta,", "Safety,Evals,Cy Dee,")
    preview = upload(editor_client, project, data)
    # Another editor imports one of the rows between preview and confirm.
    run_import(project, csv_file("Safety,Evals,Ann Beta,"))
    before = {**database_rows(), "people.ImportUpload": 0}

    response = confirm(editor_client, preview)

    assert_failed_confirm(
        response,
        "The credits in the database changed since the preview, so nothing was imported.",
        before,
    )


def test_admin_confirm_fails_when_the_project_was_deleted(editor_client, project):
    preview = upload(editor_client, project, csv_file("Safety,Evals,Ann Beta,"))
    project.delete()
    before = {**database_rows(), "people.ImportUpload": 0}

    response = confirm(editor_client, preview)

    assert_failed_confirm(
        response, "The project of this import no longer exists; nothing was imported.", before
    )


def test_admin_confirm_fails_when_the_upload_expired(editor_client, project):
    preview = upload(editor_client, project, csv_file("Safety,Evals,Ann Beta,"))
    ImportUpload.objects.update(created_at=timezone.now() - timezone.timedelta(days=2))
    before = {**database_rows(), "people.ImportUpload": 0}

    response = confirm(editor_client, preview)

    assert_failed_confirm(
        response,
        "The uploaded file is no longer available (an upload is kept for 24 hours between "
        "preview and confirmation, and only once). Upload it again.",
        before,
    )


def test_admin_upload_can_be_confirmed_only_once(editor_client, project):
    preview = upload(editor_client, project, csv_file("Safety,Evals,Ann Beta,"))
    confirm(editor_client, preview)
    before = database_rows()

    again = confirm(editor_client, preview)

    assert_failed_confirm(again, "The uploaded file is no longer available", before)


def test_expired_uploads_are_purged_by_the_next_upload(editor_client, project):
    upload(editor_client, project, csv_file("Safety,Evals,Ann Beta,"))
    ImportUpload.objects.update(created_at=timezone.now() - timezone.timedelta(days=2))

    upload(editor_client, project, csv_file("Safety,Evals,Cy Dee,"))

    assert [bytes(u.data) for u in ImportUpload.objects.all()] == [csv_file("Safety,Evals,Cy Dee,")]


def test_expired_uploads_are_purged_by_a_confirmation(editor_client, project):
    preview = upload(editor_client, project, csv_file("Safety,Evals,Ann Beta,"))
    ImportUpload.objects.create(name="0" * 32, data=b"old")
    ImportUpload.objects.filter(name="0" * 32).update(
        created_at=timezone.now() - timezone.timedelta(days=2)
    )

    confirm(editor_client, preview)

    assert ImportUpload.objects.count() == 0


@pytest.fixture
def staff_client(django_user_model):
    """A staff user who may see and change credits and people, but not import or export."""
    user = django_user_model.objects.create_user("staff", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_role", "change_role", "view_person", "change_person"]
        )
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["role", "person"])
def test_import_and_export_need_their_own_permissions(staff_client, editor_client, project, model):
    urls = [
        reverse(f"admin:people_{model}_import"),
        reverse(f"admin:people_{model}_export"),
    ]

    refused = [staff_client.get(url).status_code for url in urls]
    refused.append(
        upload(staff_client, project, csv_file("Safety,Evals,Ann Beta,"), model=model).status_code
    )
    refused.append(staff_client.post(reverse(f"admin:people_{model}_process_import")).status_code)
    refused.append(staff_client.post(urls[1], {"project": project.pk, "format": "0"}).status_code)
    allowed = [editor_client.get(url).status_code for url in urls]
    changelist = staff_client.get(reverse(f"admin:people_{model}_changelist"))

    assert refused == [403, 403, 403, 403, 403]
    assert allowed == [200, 200]
    assert "import_link" not in text(changelist)
    assert "export_link" not in text(changelist)
    assert Role.objects.count() == 0


def test_the_people_list_keeps_its_links_and_gains_import_and_export(editor_client):
    response = editor_client.get(reverse("admin:people_person_changelist"))

    page_text = text(response)
    assert "Find duplicates" in page_text
    assert 'class="import_link"' in page_text
    assert 'class="export_link"' in page_text


def test_admin_export_of_a_project_as_csv(editor_client, project):
    run_import(project, (FIXTURES / "gpt4v.csv").read_bytes())
    other = Project.objects.create(title="Other", slug="other")
    run_import(other, csv_file("Elsewhere,Team,Ann Beta,"))

    response = editor_client.post(
        reverse("admin:people_role_export"), {"project": project.pk, "format": "0"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="credits-')
    assert response.content == (FIXTURES / "gpt4v.csv").read_bytes()


def test_admin_export_as_xlsx(editor_client, project):
    run_import(project, csv_file("Research,Data,=1+1,"))

    response = editor_client.post(
        reverse("admin:people_role_export"), {"project": project.pk, "format": "1"}
    )

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [[cell.value for cell in row] for row in sheet.rows] == [
        ["section", "team", "person", "role"],
        ["Research", "Data", "'=1+1", None],
    ]


@pytest.mark.parametrize("model", ["role", "person"])
def test_admin_export_of_selected_rows(editor_client, project, model):
    run_import(
        project,
        csv_file("Research,,Ann Beta,Lead", "Research,Data,Ann Beta,", "Research,Data,Cy Dee,"),
    )
    chosen = (
        Role.objects.filter(person__name="Ann Beta")
        if model == "role"
        else Person.objects.filter(name="Ann Beta")
    )
    form = editor_client.post(
        reverse(f"admin:people_{model}_changelist"),
        {"action": "export_admin_action", "_selected_action": [obj.pk for obj in chosen]},
    )
    items = form.context["form"].initial["export_items"]

    response = editor_client.post(
        reverse(f"admin:people_{model}_export"),
        {"project": project.pk, "format": "0", "export_items": items},
    )

    assert response.content.decode() == (
        "section,team,person,role\nResearch,,Ann Beta,Lead\nResearch,Data,Ann Beta,\n"
    )
