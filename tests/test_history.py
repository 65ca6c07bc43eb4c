import html
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils.html import strip_tags

from people.models import (
    Acknowledgment,
    Alias,
    Credit,
    Mention,
    Person,
    Project,
    Resource,
    Section,
    Team,
)
from people.sorting import sort_key
from tests.admin_pages import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def edit(editor_client, submit_form):
    """Save the admin change form of `obj` with `fields` changed; return the response."""

    def save(obj, changes=None, **fields):
        return submit_form(editor_client, url(type(obj), "change", obj.pk), changes, **fields)

    return save


@pytest.fixture
def david(make_person):
    return make_person("David Mely")


def text_of(response):
    """The page's text as a reader sees it: no tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def test_history_page_lists_each_change_with_who_and_what(editor_client, editor, edit, david):
    edit(david, name="David Mély")
    edit(david, name="David Mélý")

    response = editor_client.get(url(Person, "history", david.pk))

    assert response.status_code == 200
    records = list(response.context["page_obj"])
    assert [(r.name, r.history_type, r.history_user) for r in records] == [
        ("David Mélý", "~", editor),
        ("David Mély", "~", editor),
        ("David Mely", "+", None),
    ]
    text = text_of(response)
    assert "Changed editor Name: David Mély → David Mélý" in text
    assert "Changed editor Name: David Mely → David Mély" in text
    assert "None" not in text
    assert "3 versions" in text


def test_revert_to_an_earlier_version_restores_the_name(editor_client, submit_form, edit, david):
    edit(david, name="David Mély")
    first = david.history.latest()
    edit(david, name="David Mélý")
    revert = url(Person, "simple_history", david.pk, first.history_id)

    page = editor_client.get(revert)
    response = submit_form(editor_client, revert)

    assert page.status_code == 200
    assert "Revert David Mély" in page.content.decode()
    assert response.status_code == 302
    david.refresh_from_db()
    assert david.name == "David Mély"
    assert david.sort_key == sort_key("David Mély")
    latest = david.history.latest()
    assert (latest.name, latest.history_user.username) == ("David Mély", "editor")


def test_revert_a_credit_title(
    editor_client, submit_form, edit, david, make_project, make_section, make_credit
):
    section = make_section(make_project("GPT-4V", "gpt-4v"), "Research")
    lead = make_credit(david, section=section, title="Optimization lead")
    first = lead.history.latest()
    edit(lead, title="Overall lead")
    revert = url(Credit, "simple_history", lead.pk, first.history_id)

    response = submit_form(editor_client, revert)

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.title == "Optimization lead"
    assert lead.history.count() == 3


@pytest.fixture
def page(david, make_project, make_section, make_team, make_credit):
    project = make_project("GPT-4V", "gpt-4v")
    section = make_section(project, "Research")
    team = make_team(section, "Pretraining")
    acknowledgment = Acknowledgment.objects.create(project=project, text="Thanks.")
    return [
        project,
        Resource.objects.create(project=project, title="Card", url="https://example.org/"),
        section,
        team,
        david,
        Alias.objects.create(person=david, name="Dave Mely"),
        make_credit(david, team=team),
        acknowledgment,
        Mention.objects.create(acknowledgment=acknowledgment, person=david),
    ]


@pytest.mark.parametrize("index", range(9), ids=lambda index: f"model{index}")
def test_every_admin_save_is_recorded_with_the_editor(editor_client, editor, edit, page, index):
    obj = page[index]

    response = edit(obj)

    assert response.status_code == 302
    latest = obj.history.latest()
    assert (latest.history_type, latest.history_user) == ("~", editor)
    assert editor_client.get(url(type(obj), "history", obj.pk)).status_code == 200


def test_inline_additions_and_deletions_are_recorded(
    editor_client, editor, edit, page, make_person
):
    team, alias = page[3], page[5]
    kim = make_person("Kim Lee")
    edit(kim, {"credits-TOTAL_FORMS": "1", "credits-0-team": team.pk})

    response = editor_client.post(url(Alias, "delete", alias.pk), {"post": "yes"})

    assert response.status_code == 302
    added = Credit.history.get(person_id=kim.pk)
    deleted = Alias.history.filter(id=alias.pk).latest()
    assert (added.history_type, added.history_user) == ("+", editor)
    assert (deleted.history_type, deleted.history_user) == ("-", editor)


def test_history_of_a_deleted_record_stays_visible(editor_client, page):
    alias = page[5]
    editor_client.post(url(Alias, "delete", alias.pk), {"post": "yes"})

    response = editor_client.get(url(Alias, "history", alias.pk))

    assert response.status_code == 200
    assert [r.get_history_type_display() for r in response.context["page_obj"]] == [
        "Deleted",
        "Created",
    ]


def test_a_person_loaded_by_load_gpt4v_can_be_restored(editor_client, submit_form, edit):
    call_command("load_gpt4v", stdout=StringIO())
    raul = Person.objects.get(name="Raul Puri")
    edit(raul, name="Raul Puri (edited)")

    history = editor_client.get(url(Person, "history", raul.pk))
    loaded = raul.history.earliest()
    revert = url(Person, "simple_history", raul.pk, loaded.history_id)
    response = submit_form(editor_client, revert)

    records = list(history.context["page_obj"])
    assert [(r.name, r.get_history_type_display()) for r in records] == [
        ("Raul Puri (edited)", "Changed"),
        ("Raul Puri", "Created"),
    ]
    assert "Loaded from fixtures/gpt4v.json" in text_of(history)
    assert "2 versions" in text_of(history)
    assert response.status_code == 302
    raul.refresh_from_db()
    assert raul.name == "Raul Puri"


def test_load_gpt4v_records_every_loaded_row_even_when_history_exists(make_person):
    # A database with history already (here Ada's) still gets the loaded rows' first versions.
    make_person("Ada Lovelace", pk=1000)

    call_command("load_gpt4v", stdout=StringIO())

    counts = {
        model.__name__: (model.history.filter(history_type="+").count(), model.objects.count())
        for model in [Project, Resource, Section, Team, Person, Alias, Credit, Acknowledgment]
    }
    assert counts == {
        "Project": (1, 1),
        "Resource": (4, 4),
        "Section": (4, 4),
        "Team": (25, 25),
        "Person": (152, 152),
        "Alias": (3, 3),
        "Credit": (210, 210),
        "Acknowledgment": (3, 3),
    }
    assert Mention.history.count() == Mention.objects.count() == 32
    madeline = Person.objects.get(name="Madeline Boyd")
    assert madeline.history.get().sort_key == madeline.sort_key
