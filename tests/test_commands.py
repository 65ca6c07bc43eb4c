import io
import os
import threading

import openpyxl
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connection

from people.models import Alias, Credit, Project
from tests.spreadsheets import GPT4V_CSV, another_connection, csv_file, run_import

pytestmark = pytest.mark.django_db


def database_rows():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


class Terminal(io.StringIO):
    def isatty(self):
        return True


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
    assert Credit.objects.count() == 210


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


def test_a_file_of_look_alike_names_lists_the_first_of_them_and_says_how_many_more(
    make_project, write, monkeypatch
):
    monkeypatch.setattr("people.management.commands.import_credits.LOOK_ALIKES_LISTED", 3)
    make_project("GPT-4V", "gpt-4v")
    names = [f"Bulk Person {number:07}" for number in range(1, 11)]
    path = write(csv_file(*(f"Bulk,Team,{name}," for name in names)))

    out, _err = run("import_credits", path, "--project", "gpt-4v", "--dry-run")

    assert out.splitlines()[:-1] == [
        "New people (10):",
        "  row 2: Bulk Person 0000001",
        "  row 3: Bulk Person 0000002 (did you mean Bulk Person 0000001 (row 2)?)",
        "  row 4: Bulk Person 0000003 (did you mean Bulk Person 0000001 (row 2)?)",
        "  row 5: Bulk Person 0000004 (did you mean Bulk Person 0000001 (row 2)?)",
        "  … and 6 more: only the first 3 who resemble someone are listed (the admin's "
        "import preview lists them all)",
    ]


def test_names_written_family_name_first_are_reported(make_project, make_person, write):
    make_project("GPT-4V", "gpt-4v")
    make_person("Ada Lovelace")
    path = write(b'section,team,person,role\nR,D,"Lovelace, Ada",\nR,D,"Hopper, Grace",\n')

    out, _err = run("import_credits", path, "--project", "gpt-4v", "--dry-run")

    assert out.splitlines()[:5] == [
        "Names written family name first (2):",
        '  row 2: "Lovelace, Ada" read as Ada Lovelace, credited to Ada Lovelace',
        '  row 3: "Hopper, Grace" read as Grace Hopper, a new person',
        "New people (1):",
        "  row 3: Grace Hopper",
    ]


def test_sync_lists_and_removes_what_the_file_lacks(make_project, write):
    make_project("GPT-4V", "gpt-4v")
    run("import_credits", str(GPT4V_CSV), "--project", "gpt-4v")
    path = write(b"section,team,person,role\nResearch contributions,Data,Tao Xu,\n")

    out, _err = run(
        "import_credits", path, "--project", "gpt-4v", "--sync", "--yes", "--allow-mass-removal"
    )

    assert out.splitlines()[0] == "Credits removed (209):"
    assert out.splitlines()[-1] == (
        f'Imported {path} into "GPT-4V" (sync): 0 new credits, 1 unchanged, 209 removed; '
        "3 sections removed, 24 teams removed."
    )
    assert list(Credit.objects.values_list("person__name", "team__name")) == [("Tao Xu", "Data")]


@pytest.fixture
def three_credits(make_project, write):
    """A project with three credits, and a file of two of them."""
    make_project("GPT-4V", "gpt-4v")
    everyone = write(
        csv_file("Research,Data,Ann Beta,", "Research,Data,Cy Dee,", "Research,Data,Ed Fu,"),
        "everyone.csv",
    )
    run("import_credits", everyone, "--project", "gpt-4v")
    return write(csv_file("Research,Data,Ann Beta,", "Research,Data,Cy Dee,"))


def test_a_sync_that_removes_is_refused_without_a_terminal_unless_yes(three_credits):
    path = three_credits
    before = database_rows()

    with pytest.raises(CommandError) as error:
        run("import_credits", path, "--project", "gpt-4v", "--sync")
    refused = database_rows()
    out, _err = run("import_credits", path, "--project", "gpt-4v", "--sync", "--yes")

    assert str(error.value) == (
        "This sync removes 1 of the project's 3 credits.\n"
        "Nothing was imported: run the command again with --yes to confirm (it asks only on "
        "a terminal)."
    )
    assert refused == before
    assert out.splitlines() == [
        "Credits removed (1):",
        "  Research / Data: Ed Fu",
        "This sync removes 1 of the project's 3 credits.",
        f'Imported {path} into "GPT-4V" (sync): 0 new credits, 2 unchanged, 1 removed.',
    ]
    assert sorted(Credit.objects.values_list("person__name", flat=True)) == ["Ann Beta", "Cy Dee"]


@pytest.mark.parametrize("answer", ["y\n", "yes\n", "Y\n"])
def test_a_sync_on_a_terminal_asks_before_removing(three_credits, answer):
    path = three_credits

    out, _err = run("import_credits", path, "--project", "gpt-4v", "--sync", stdin=Terminal(answer))

    assert out.splitlines() == [
        "Credits removed (1):",
        "  Research / Data: Ed Fu",
        "This sync removes 1 of the project's 3 credits.",
        "Remove them and import the file? [y/N] "
        f'Imported {path} into "GPT-4V" (sync): 0 new credits, 2 unchanged, 1 removed.',
    ]
    assert Credit.objects.count() == 2


@pytest.mark.parametrize("answer", ["n\n", "\n", "", "maybe\n"])
def test_a_sync_on_a_terminal_removes_nothing_unless_the_answer_is_yes(three_credits, answer):
    path = three_credits
    before = database_rows()

    with pytest.raises(CommandError) as error:
        run("import_credits", path, "--project", "gpt-4v", "--sync", stdin=Terminal(answer))

    assert str(error.value) == "Nothing was imported."
    assert database_rows() == before


def test_a_sync_that_removes_nothing_asks_nothing(three_credits, write):
    path = write(
        csv_file("Research,Data,Ann Beta,", "Research,Data,Cy Dee,", "Research,Data,Ed Fu,")
    )

    out, _err = run("import_credits", path, "--project", "gpt-4v", "--sync")

    assert out == f'Imported {path} into "GPT-4V" (sync): 0 new credits, 3 unchanged, 0 removed.\n'


def test_a_sync_dry_run_warns_and_asks_nothing(three_credits):
    path = three_credits
    before = database_rows()

    out, _err = run("import_credits", three_credits, "--project", "gpt-4v", "--sync", "--dry-run")

    assert out.splitlines()[-2:] == [
        "This sync removes 1 of the project's 3 credits.",
        f'Dry run: importing {path} into "GPT-4V" (sync) would make 0 new credits, 2 unchanged, '
        "1 removed. Nothing was written.",
    ]
    assert database_rows() == before


def test_a_sync_removing_more_than_half_needs_allow_mass_removal(make_project, write):
    make_project("GPT-4V", "gpt-4v")
    run("import_credits", str(GPT4V_CSV), "--project", "gpt-4v")
    path = write(b"section,team,person,role\nResearch contributions,Data,Tao Xu,\n")
    before = database_rows()

    with pytest.raises(CommandError) as with_yes:
        run("import_credits", path, "--project", "gpt-4v", "--sync", "--yes")
    with pytest.raises(CommandError) as on_a_terminal:
        run("import_credits", path, "--project", "gpt-4v", "--sync", stdin=Terminal("y\n"))
    refused = database_rows()
    out, _err = run(
        *("import_credits", path, "--project", "gpt-4v", "--sync", "--allow-mass-removal"),
        stdin=Terminal("y\n"),
    )

    message = (
        "This sync removes 209 of the project's 210 credits, 3 sections and 24 teams. That is "
        "more than half of the project's credits.\n"
        "Nothing was imported: a sync that removes more than half of a project's credits needs "
        "--allow-mass-removal."
    )
    assert str(with_yes.value) == str(on_a_terminal.value) == message
    assert refused == before
    assert "Remove them and import the file? [y/N] Imported" in out
    assert Credit.objects.count() == 1


def test_a_change_while_asking_is_caught_and_nothing_is_written(three_credits, write):
    path = three_credits
    project = Project.objects.get(slug="gpt-4v")

    class EditedMeanwhile(Terminal):
        def readline(self, *args):
            run_import(project, csv_file("Research,Data,Gil Ho,"))
            return "y\n"

    with pytest.raises(CommandError) as error:
        run("import_credits", path, "--project", "gpt-4v", "--sync", stdin=EditedMeanwhile())

    assert str(error.value) == (
        f"{path}: nothing was imported.\nThe credits in the database changed while this "
        "import was being prepared, so nothing was imported. Run it again to see what it "
        "would change now."
    )
    assert sorted(Credit.objects.values_list("person__name", flat=True)) == [
        "Ann Beta",
        "Cy Dee",
        "Ed Fu",
        "Gil Ho",
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks for another connection"
)
def test_the_question_is_asked_without_holding_the_project_lock(three_credits):
    path = three_credits
    project = Project.objects.get(slug="gpt-4v")
    locked_meanwhile = []

    class LockingElsewhere(Terminal):
        def readline(self, *args):
            with another_connection() as other:
                locked_meanwhile.extend(
                    other.execute(
                        "SELECT id FROM people_project WHERE id = %s FOR UPDATE NOWAIT",
                        [project.pk],
                    ).fetchall()
                )
            return "y\n"

    run("import_credits", path, "--project", "gpt-4v", "--sync", stdin=LockingElsewhere())

    assert locked_meanwhile == [(project.pk,)]
    assert Credit.objects.count() == 2


def test_duplicates_are_reported(make_project, write):
    make_project("GPT-4V", "gpt-4v")
    path = write(b"section,team,person,role\nA,B,Ann Beta,\nA,B,Ann Beta,\n")

    out, _err = run("import_credits", path, "--project", "gpt-4v")

    assert "Row 3 repeats row 2: imported once.\n" in out
    assert Credit.objects.count() == 1


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
    assert Credit.objects.count() == 0


def fifo(tmp_path, data):
    """A named pipe that a thread fills with `data`, like the shell's <(cat file)."""
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)

    def fill():
        with open(path, "wb") as pipe:
            try:
                pipe.write(data)
            except BrokenPipeError:
                pass

    threading.Thread(target=fill, daemon=True).start()
    return str(path)


def test_a_pipe_is_read(make_project, tmp_path):
    make_project("GPT-4V", "gpt-4v")
    path = fifo(tmp_path, csv_file("Research,Data,Ann Beta,"))

    out, _err = run("import_credits", path, "--project", "gpt-4v")

    assert out.splitlines()[-1].startswith(f'Imported {path} into "GPT-4V" (add): 1 new credit')
    assert Credit.objects.get().person.name == "Ann Beta"


def test_a_pipe_over_the_limit_is_refused(make_project, tmp_path, settings):
    make_project("GPT-4V", "gpt-4v")
    settings.IMPORT_MAX_BYTES = 1024
    path = fifo(tmp_path, b"section,team,person,role\n" + b"A,B,Ann Beta,\n" * 100)

    with pytest.raises(CommandError) as error:
        run("import_credits", path, "--project", "gpt-4v")

    assert str(error.value) == (
        f"{path} is more than 1.0\xa0KB; the largest file that can be imported is 1.0\xa0KB "
        "(set CREDITS_IMPORT_MAX_BYTES to change the limit)."
    )
    assert Credit.objects.count() == 0


def test_an_endless_file_is_refused(make_project, settings):
    make_project("GPT-4V", "gpt-4v")
    settings.IMPORT_MAX_BYTES = 1024

    with pytest.raises(CommandError) as error:
        run("import_credits", "/dev/zero", "--project", "gpt-4v")

    assert str(error.value) == (
        "/dev/zero is more than 1.0\xa0KB; the largest file that can be imported is 1.0\xa0KB "
        "(set CREDITS_IMPORT_MAX_BYTES to change the limit)."
    )


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


def test_progress_is_shown_on_a_terminal(make_project):
    make_project("GPT-4V", "gpt-4v")
    err = Terminal()

    call_command(
        "import_credits", str(GPT4V_CSV), "--project", "gpt-4v", stdout=io.StringIO(), stderr=err
    )

    assert err.getvalue() == "\rImporting credits: 210 of 210\n"


def test_progress_is_shown_every_thousand_credits(make_project, write):
    make_project("GPT-4V", "gpt-4v")
    path = write(csv_file(*(f"Research,Data,Person {number}," for number in range(2500))))
    err = Terminal()

    call_command("import_credits", path, "--project", "gpt-4v", stdout=io.StringIO(), stderr=err)

    assert err.getvalue() == (
        "\rImporting credits: 1,000 of 2,500\rImporting credits: 2,000 of 2,500"
        "\rImporting credits: 2,500 of 2,500\n"
    )


def test_control_characters_are_shown_escaped(
    make_project, make_section, make_team, make_credit, write
):
    project = make_project("GPT\a-4V", "gpt-4v")
    team = make_team(make_section(project, "Research"), "Data")
    make_credit("Ann\x1b[2JBeta", team=team, title="Lead\x9b")
    path = write(csv_file("Research,Data,Cy Dee,"))

    out, _err = run("import_credits", path, "--project", "gpt-4v", "--sync", "--dry-run")

    assert "\x1b" not in out and "\a" not in out and "\x9b" not in out
    assert "  Research / Data: Ann\\x1b[2JBeta (Lead\\x9b)\n" in out
    assert 'into "GPT\\x07-4V" (sync) would make 1 new credit' in out


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
    path = write(b"section,team,person,role\nResearch,Data,=SUM(A1),\n")
    run("import_credits", path, "--project", "gpt-4v")
    output = tmp_path / "out.xlsx"

    run("export_credits", "--project", "gpt-4v", "-o", str(output))

    sheet = openpyxl.load_workbook(output).active
    assert [[cell.value for cell in row] for row in sheet.rows] == [
        ["section", "team", "person", "role"],
        ["Research", "Data", "'=SUM(A1)", None],
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
    assert Credit.objects.count() == 210


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
    Credit.objects.filter(person__name="Greg Brockman").delete()

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
