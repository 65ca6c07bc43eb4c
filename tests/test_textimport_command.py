"""manage.py import_text: the same reading, planning and writing as the admin screen."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from people.models import Acknowledgment, Credit
from people.spreadsheet.export import export_credits_csv
from tests.seed import SEED_PATH
from tests.spreadsheets import database_rows

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("import_text", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def project(make_project):
    return make_project("GPT-4V", "gpt-4v", is_published=False)


def test_a_dry_run_reports_what_it_read_and_writes_nothing(project):
    before = database_rows()

    out = run(str(SEED_PATH), "--project", "gpt-4v", "--dry-run")

    assert "Groups without a heading (5):\n" in out
    assert (
        "  line 27: a group without a heading after ‘Distributed training infrastructure’ "
        "(line 24) — heading lost?; imported as “Untitled group 3”\n" in out
    )
    assert "  line 1: Skip to main content → page navigation: left out\n" in out
    assert "  line 57: Madelaine Boyd (did you mean Madeline Boyd (line 30)?)\n" in out
    assert "Citation: “OpenAI (2023)” — set\n" in out
    assert out.endswith(
        f'Dry run: importing {SEED_PATH} into "GPT-4V" (add) would make 210 new credits, '
        "0 unchanged; 122 new people, 4 new sections, 25 new teams; besides the credits: intro, "
        "closing text, citation, assembled by, 3 new acknowledgments, 32 people named only in "
        "the acknowledgments. Nothing was written.\n"
    )
    assert database_rows() == before


def test_an_import_writes_credits_and_acknowledgments(project):
    out = run(str(SEED_PATH), "--project", "gpt-4v")

    assert "Imported " in out
    assert Credit.objects.count() == 210
    assert Acknowledgment.objects.filter(project=project).count() == 3
    assert export_credits_csv(project).count("\n") == 211


def test_sync_makes_the_credits_exactly_the_text(
    tmp_path, project, make_section, make_team, make_credit
):
    make_credit("Zora Old", team=make_team(make_section(project, "Old"), "Team"))
    page = tmp_path / "page.md"
    page.write_text("## Research\n\nAda Lovelace, Grace Hopper\n", encoding="utf-8")

    out = run(str(page), "--project", "gpt-4v", "--sync")

    assert "(sync)" in out
    assert (
        export_credits_csv(project)
        == "section,team,person,role\nResearch,,Grace Hopper,\nResearch,,Ada Lovelace,\n"
    )


def test_the_format_can_be_given(tmp_path, project):
    page = tmp_path / "page"
    page.write_text("# Research\n\nAda Lovelace, Grace Hopper\n", encoding="utf-8")

    run(str(page), "--project", "gpt-4v", "--format", "markdown")

    assert export_credits_csv(project).splitlines()[1:] == [
        "Research,,Grace Hopper,",
        "Research,,Ada Lovelace,",
    ]


def test_a_file_that_is_not_text_is_refused_with_what_it_is(tmp_path, project):
    page = tmp_path / "page.txt"
    page.write_bytes(b"%PDF-1.7 ...")

    with pytest.raises(CommandError) as error:
        run(str(page), "--project", "gpt-4v")

    assert str(error.value) == (
        f"{page}: nothing was imported.\nThis file is a PDF document, not text. Save the page as "
        "text, Markdown or HTML (UTF-8) and try again."
    )


def test_an_unknown_project_is_refused(tmp_path):
    with pytest.raises(CommandError) as error:
        run(str(SEED_PATH), "--project", "nope")

    assert str(error.value).startswith('There is no project with the slug "nope".')
