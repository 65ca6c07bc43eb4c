import io

import openpyxl
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command, execute_from_command_line

from people.models import Alias, Project, Role
from tests.spreadsheets import GPT4V_CSV, csv_file

pytestmark = pytest.mark.django_db


def database_rows():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def write(tmp_path):
    def write(data, name="credits.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


# import_credits


def test_import_prints_a_summary(make_project):
    make_project("GPT-4V", "gpt-4v")

    out, _err = run("import_credits", str(GPT4V_CSV), "--project", "gpt-4v")

    assert out.splitlines()[-1] == (
        f'Imported {GPT4V_CSV} into "GPT-4V" (add): 210 new credits, 0 unchanged; '
        "119 new people, 4 new sections, 25 new teams."
    )
    assert Role.objects.count() == 210


def test_dry_run_writes_nothing_and_flags_lookalikes(make_project, make_person, write):
    make_project("GPT-4V", "gpt-4v")
    make_person("Madeleine Boyd")
    path = write(b"section,team,person,role\nSafety,Evals,Madeline Boyd,\nSafety,Evals,Ann Beta,\n")
    before = database_rows()

    out, _err = run("import_credits", path, "--project", "gpt-4v", "--dry-run")

    assert out.splitlines() == [
        "New people (2):",
        "  row 2: Madeline Boyd (did you mean Madeleine Boyd?)",
        "  row 3: Ann Beta",
        f'Dry run: importing {path} into "GPT-4V" (add) would make 2 new credits, 0 unchanged; '
        "2 new people, 1 new section, 1 new team. Nothing was written.",
    ]
    assert database_rows() == before


def test_sync_lists_and_removes_what_the_file_lacks(make_project, write):
    make_project("GPT-4V", "gpt-4v")
    run("import_credits", str(GPT4V_CSV), "--project", "gpt-4v")
    path = write(b"section,team,person,role\nResearch contributions,Data,Tao Xu,\n")

    out, _err = run("import_credits", path, "--project", "gpt-4v", "--sync")

    assert out.splitlines()[0] == "Credits removed (209):"
    assert out.splitlines()[-1] == (
        f'Imported {path} into "GPT-4V" (sync): 0 new credits, 1 unchanged, 209 removed; '
        "3 sections removed, 24 teams removed."
    )
    assert list(Role.objects.values_list("person__name", "team__name")) == [("Tao Xu", "Data")]


def test_duplicates_are_reported(make_project, write):
    make_project("GPT-4V", "gpt-4v")
    path = write(b"section,team,person,role\nA,B,Ann Beta,\nA,B,Ann Beta,\n")

    out, _err = run("import_credits", path, "--project", "gpt-4v")

    assert "Row 3 repeats row 2: imported once.\n" in out
    assert Role.objects.count() == 1


def test_a_bad_file_exits_with_the_row_and_column_and_writes_nothing(make_project, write):
    make_project("GPT-4V", "gpt-4v")
    path = write(b"section,team,person,role\nA,B,Ann Beta,\nA,B,,\n")
    before = database_rows()

    with pytest.raises(CommandError) as error:
        run("import_credits", path, "--project", "gpt-4v")

    assert str(error.value) == (
        f"{path}: nothing was imported.\nRow 3, column person: the person is empty."
    )
    assert database_rows() == before


def test_a_bad_file_exits_non_zero_from_the_shell(make_project, write, capsys):
    make_project("GPT-4V", "gpt-4v")
    path = write(b"section;team;person;role\n")

    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "import_credits", path, "--project", "gpt-4v"])

    assert exit_.value.code == 1
    assert "Row 1: the file looks semicolon-separated" in capsys.readouterr().err


def test_a_file_over_the_limit_is_refused(make_project, write, settings):
    make_project("GPT-4V", "gpt-4v")
    settings.IMPORT_MAX_BYTES = 1024
    path = write(b"section,team,person,role\n" + b"A,B,Ann Beta,\n" * 100)

    with pytest.raises(CommandError) as error:
        run("import_credits", path, "--project", "gpt-4v")

    assert str(error.value) == (
        f"{path} is 1.4\xa0KB; the largest file that can be imported is 1.0\xa0KB "
        "(set CREDITS_IMPORT_MAX_BYTES to change the limit)."
    )
    assert Role.objects.count() == 0


def test_an_unknown_project_or_file_is_a_clear_error(make_project, tmp_path):
    make_project("GPT-4V", "gpt-4v")

    with pytest.raises(CommandError) as no_project:
        run("import_credits", str(GPT4V_CSV), "--project", "nope")
    with pytest.raises(CommandError) as no_file:
        run("import_credits", str(tmp_path / "missing.csv"), "--project", "gpt-4v")

    assert str(no_project.value) == (
        'There is no project with the slug "nope". Create it with: '
        'manage.py create_project nope --title "..."'
    )
    assert (
        str(no_file.value) == f"Cannot read {tmp_path / 'missing.csv'}: No such file or directory."
    )


def test_a_name_that_is_also_another_spelling_is_reported(make_project, make_person, write):
    make_project("GPT-4V", "gpt-4v")
    make_person("Madeleine Boyd")
    Alias.objects.create(person=make_person("Madeline Boyd"), name="Madeleine Boyd")
    path = write(csv_file("Research,Data,Madeleine Boyd,"))

    out, _err = run("import_credits", path, "--project", "gpt-4v", "--dry-run")

    assert out.startswith(
        'Row 2: "Madeleine Boyd" is credited to Madeleine Boyd; it is also another spelling of '
        "Madeline Boyd. If they are one person, merge them.\n"
    )


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_shown_on_a_terminal(make_project):
    make_project("GPT-4V", "gpt-4v")
    err = Terminal()

    call_command(
        "import_credits", str(GPT4V_CSV), "--project", "gpt-4v", stdout=io.StringIO(), stderr=err
    )

    assert err.getvalue() == "\rImporting credits: 210 of 210\n"


# export_credits


def test_export_writes_the_import_format_to_stdout(make_project, capsysbinary):
    make_project("GPT-4V", "gpt-4v")
    run("import_credits", str(GPT4V_CSV), "--project", "gpt-4v")

    call_command("export_credits", "--project", "gpt-4v")

    assert capsysbinary.readouterr().out == GPT4V_CSV.read_bytes()


def test_export_to_a_file_round_trips(make_project, tmp_path):
    make_project("GPT-4V", "gpt-4v")
    run("import_credits", str(GPT4V_CSV), "--project", "gpt-4v")
    output = tmp_path / "out.csv"

    _out, err = run("export_credits", "--project", "gpt-4v", "-o", str(output))

    assert output.read_bytes() == GPT4V_CSV.read_bytes()
    assert err == f'Exported the credits of "GPT-4V" to {output}.\n'


def test_export_to_xlsx(make_project, tmp_path, write):
    make_project("GPT-4V", "gpt-4v")
    path = write(b"section,team,person,role\nResearch,Data,=1+1,\n")
    run("import_credits", path, "--project", "gpt-4v")
    output = tmp_path / "out.xlsx"

    run("export_credits", "--project", "gpt-4v", "-o", str(output))

    sheet = openpyxl.load_workbook(output).active
    assert [[cell.value for cell in row] for row in sheet.rows] == [
        ["section", "team", "person", "role"],
        ["Research", "Data", "'=1+1", None],
    ]


def test_export_of_an_unknown_project_is_an_error():
    with pytest.raises(CommandError) as error:
        run("export_credits", "--project", "nope")

    assert str(error.value) == 'There is no project with the slug "nope".'


# create_project


def test_create_project_then_import_into_it():
    out, _err = run("create_project", "gpt-4v", "--title", "GPT-4V credits")
    run("import_credits", str(GPT4V_CSV), "--project", "gpt-4v")

    project = Project.objects.get(slug="gpt-4v")
    assert out == 'Created the draft project "GPT-4V credits" (gpt-4v).\n'
    assert (project.title, project.is_published) == ("GPT-4V credits", False)
    assert Role.objects.count() == 210


def test_create_project_import_then_publish(client):
    run("create_project", "gpt-4v", "--title", "GPT-4V")
    run("import_credits", str(GPT4V_CSV), "--project", "gpt-4v")

    out, _err = run("publish", "gpt-4v", "--note", "The first credits.")

    assert out == 'Published "GPT-4V" as version 1.\n'
    project = Project.objects.get()
    assert project.is_published and project.published_at is not None
    assert project.versions.get().note == "The first credits."
    assert client.get("/credits/gpt-4v/").status_code == 200


def test_publish_prints_the_changes_since_the_latest_version(make_project, make_section):
    run("create_project", "gpt-4v", "--title", "GPT-4V")
    run("import_credits", str(GPT4V_CSV), "--project", "gpt-4v")
    run("publish", "gpt-4v")
    Role.objects.filter(person__name="Greg Brockman").delete()

    out, _err = run("publish", "gpt-4v", "--dry-run")

    assert out.splitlines() == [
        "Since version 1: 1 person removed.",
        "People:",
        "  Greg Brockman removed (was in Deployment contributions › Inference infrastructure; "
        "Additional contributions)",
    ]
    assert Project.objects.get().versions.count() == 1


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("nope", 'There is no project with the slug "nope".'),
        ("empty", "This project has no credits yet: add or import its credits, then publish."),
    ],
)
def test_publish_refuses_what_cannot_be_published(make_project, slug, message):
    make_project("Empty", "empty", is_published=False)

    with pytest.raises(CommandError) as error:
        run("publish", slug)

    assert str(error.value) == message
    assert not Project.objects.get().versions.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["gpt-4v", "--title", "Again"], "slug: Project with this Slug already exists."),
        (
            ["not a slug", "--title", "X"],
            "slug: Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.",
        ),
        (["new", "--title", "  "], "title: This field cannot be blank."),
    ],
)
def test_create_project_refuses_bad_input(make_project, args, message):
    make_project("GPT-4V", "gpt-4v")

    with pytest.raises(CommandError) as error:
        run("create_project", *args)

    assert str(error.value) == f"The project was not created.\n{message}"
    assert Project.objects.count() == 1
