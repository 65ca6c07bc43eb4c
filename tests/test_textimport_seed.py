"""Acceptance of the text import: the seed text and the GPT-4V page give the fixture's page."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from people.models import Credit, Person, Project
from people.spreadsheet.export import export_credits_csv
from people.textimport.apply import import_text, plan_text_import
from people.textimport.decode import decode, detect_format
from people.textimport.reader import read_text
from tests.conftest import load_gpt4v
from tests.seed import LOST_HEADINGS, SEED_PATH
from tests.spreadsheets import database_rows

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).parent / "textimport_examples"
FIXTURE_CSV = settings.BASE_DIR / "fixtures" / "gpt4v.csv"
TYPED_HEADINGS = {27: "Data", 88: "Design", 97: "Communications", 105: "Legal"}


def read_file(path, headings=None):
    text = decode(Path(path).read_bytes())
    return read_text(text, detect_format(text, Path(path).name), headings)


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


def acknowledgments(project):
    return [
        (ack.text, sorted(mention.person.name for mention in ack.mentions.all()))
        for ack in project.acknowledgments.order_by("position")
    ]


def page_data(client, project):
    """The public credits.json of a project, without what depends on its address and dates."""
    data = json.loads(client.get(reverse("people:project-json", args=[project.slug])).content)

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("url", "updated_at")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(data)


@pytest.fixture
def gpt4v_and_empty_project(make_project):
    """The fixture's page (so its people and their other spellings exist) and an empty project."""
    gpt4v = load_gpt4v()
    project = make_project(gpt4v.title, "gpt-4v-from-text", published_at=gpt4v.published_at)
    return gpt4v, project


def test_the_seed_text_gives_the_fixture_page_but_for_the_lost_headings(gpt4v_and_empty_project):
    gpt4v, project = gpt4v_and_empty_project
    document = read_file(SEED_PATH)

    import_text(project, document)

    lost = {
        group.heading: LOST_HEADINGS[(section.title, group.members[0].name)]
        for section, group in document.lost_headings
    }
    exported = [
        [section, lost.get(team, team), person, role]
        for section, team, person, role in csv_rows(export_credits_csv(project))
    ]
    project.refresh_from_db()
    assert lost == {
        "Untitled group 3": "Data",
        "Untitled group 7": "Design",
        "": "",
        "Untitled group 2": "Communications",
        "Untitled group 5": "Legal",
    }
    assert exported == csv_rows(FIXTURE_CSV.read_text())
    assert project.intro == gpt4v.intro
    assert project.closing_text == gpt4v.closing_text
    assert project.citation == gpt4v.citation == "OpenAI (2023)"
    assert project.ordering_note == gpt4v.ordering_note
    assert project.assembled_by == gpt4v.assembled_by
    assert acknowledgments(project) == acknowledgments(gpt4v)
    assert Person.objects.count() == 151


def test_the_lost_headings_are_reported_where_the_page_lost_them():
    document = read_file(SEED_PATH)

    reported = [(group.line, str(group.lost)) for _section, group in document.lost_headings]

    assert reported == [
        (
            27,
            "a group without a heading after ‘Distributed training infrastructure’ (line 24) "
            "— heading lost?",
        ),
        (
            88,
            "a group without a heading after ‘Trust & safety engineering’ (line 85) "
            "— heading lost?",
        ),
        (
            95,
            "names directly under the section ‘Additional contributions’ (line 93), before its "
            "teams — heading lost?",
        ),
        (
            97,
            "a group without a heading after the group without a heading (line 95) — heading lost?",
        ),
        (105, "a group without a heading after ‘User Support’ (line 102) — heading lost?"),
    ]


def test_the_seed_lost_its_links_and_the_import_says_so():
    document = read_file(SEED_PATH)

    notes = {(note.line, note.taken_for) for note in document.notes}

    assert document.links == []
    assert (
        5,
        "announces a list that does not follow (links lost?); the text after it is the closing "
        "text",
    ) in notes
    assert (1, "page navigation: left out") in notes


def test_with_the_headings_typed_in_the_seed_gives_the_fixture_credits_exactly(
    gpt4v_and_empty_project,
):
    _gpt4v, project = gpt4v_and_empty_project

    import_text(project, read_file(SEED_PATH, TYPED_HEADINGS))

    assert export_credits_csv(project) == FIXTURE_CSV.read_text()


def test_the_page_as_html_gives_the_fixture_page_with_its_four_links(
    client, editor, gpt4v_and_empty_project
):
    gpt4v, project = gpt4v_and_empty_project

    planned = import_text(project, read_file(EXAMPLES / "gpt4v.html"))

    client.force_login(editor)
    project.refresh_from_db()
    assert export_credits_csv(project) == FIXTURE_CSV.read_text()
    assert list(project.resources.values_list("title", "url")) == list(
        gpt4v.resources.values_list("title", "url")
    )
    assert page_data(client, project) == page_data(client, gpt4v)
    assert [str(group.lost) for _s, group in planned.document.lost_headings] == [
        "names directly under the section ‘Additional contributions’ (line 82), before its "
        "teams — heading lost?"
    ]


def test_in_an_empty_database_the_three_spellings_of_one_person_are_flagged(make_project):
    project = make_project("GPT-4V", "gpt-4v", is_published=False)
    before = database_rows()

    planned = plan_text_import(project, read_file(SEED_PATH))

    flagged = {n.person.name: n.look_alike for n in planned.newcomers if n.look_alike}
    assert flagged == {
        "Madelaine Boyd": "Madeline Boyd (line 30)",
        "Madeleine Boyd": "Madeline Boyd (line 30)",
        "Filippo Raso": "Filippo Rasso (line 30)",
    }
    assert len(planned.plan.changes.new_credits) == 210
    assert len(planned.plan.changes.new_people) == 122
    assert len(planned.extras.new_people) == 32
    assert database_rows() == before
    assert not Credit.objects.exists()
    assert Project.objects.get().intro == ""
