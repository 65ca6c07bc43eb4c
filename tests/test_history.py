import html
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import strip_tags

from people.models import (
    Acknowledgment,
    Alias,
    Mention,
    Person,
    Project,
    Resource,
    Role,
    Section,
    Team,
)
from people.sorting import sort_key

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:people_{model._meta.model_name}_{view}", args=args)


def edit(client, form_data, obj, **fields):
    """Save the admin change form of `obj` with `fields` changed; return the response."""
    change = url(type(obj), "change", obj.pk)
    data = form_data(client.get(change))
    data.update(fields)
    return client.post(change, data)


@pytest.fixture
def david(db):
    return Person.objects.create(name="David Mely", slug="david-mely")


def text_of(response):
    """The page's text as a reader sees it: no tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def test_history_page_lists_each_change_with_who_and_what(editor_client, editor, form_data, david):
    edit(editor_client, form_data, david, name="David Mély")
    edit(editor_client, form_data, david, name="David Mélý")

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


def test_revert_to_an_earlier_version_restores_the_name(editor_client, form_data, david):
    edit(editor_client, form_data, david, name="David Mély")
    first = david.history.latest()
    edit(editor_client, form_data, david, name="David Mélý")
    revert = url(Person, "simple_history", david.pk, first.history_id)

    page = editor_client.get(revert)
    response = editor_client.post(revert, form_data(page))

    assert page.status_code == 200
    assert "Revert David Mély" in page.content.decode()
    assert response.status_code == 302
    david.refresh_from_db()
    assert david.name == "David Mély"
    assert david.sort_key == sort_key("David Mély")
    latest = david.history.latest()
    assert (latest.name, latest.history_user.username) == ("David Mély", "editor")


def test_revert_a_credit_title(editor_client, form_data, david):
    project = Project.objects.create(title="GPT-4V", slug="gpt-4v")
    section = Section.objects.create(project=project, title="Research")
    lead = Role.objects.create(person=david, section=section, title="Optimization lead")
    first = lead.history.latest()
    edit(editor_client, form_data, lead, title="Overall lead")
    revert = url(Role, "simple_history", lead.pk, first.history_id)

    response = editor_client.post(revert, form_data(editor_client.get(revert)))

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.title == "Optimization lead"
    assert lead.history.count() == 3


@pytest.fixture
def page(david):
    project = Project.objects.create(title="GPT-4V", slug="gpt-4v")
    section = Section.objects.create(project=project, title="Research")
    team = Team.objects.create(section=section, name="Pretraining")
    acknowledgment = Acknowledgment.objects.create(project=project, text="Thanks.")
    return [
        project,
        Resource.objects.create(project=project, title="Card", url="https://example.org/"),
        section,
        team,
        david,
        Alias.objects.create(person=david, name="Dave Mely"),
        Role.objects.create(person=david, team=team),
        acknowledgment,
        Mention.objects.create(acknowledgment=acknowledgment, person=david),
    ]


@pytest.mark.parametrize("index", range(9), ids=lambda index: f"model{index}")
def test_every_admin_save_is_recorded_with_the_editor(
    editor_client, editor, form_data, page, index
):
    obj = page[index]

    response = edit(editor_client, form_data, obj)

    assert response.status_code == 302
    latest = obj.history.latest()
    assert (latest.history_type, latest.history_user) == ("~", editor)
    assert editor_client.get(url(type(obj), "history", obj.pk)).status_code == 200


def test_inline_additions_and_deletions_are_recorded(editor_client, editor, form_data, page):
    team, alias = page[3], page[5]
    kim = Person.objects.create(name="Kim Lee", slug="kim-lee")
    edit(editor_client, form_data, team, **{"roles-TOTAL_FORMS": "2", "roles-1-person": kim.pk})

    response = editor_client.post(url(Alias, "delete", alias.pk), {"post": "yes"})

    assert response.status_code == 302
    added = Role.history.get(person_id=kim.pk)
    deleted = Alias.history.filter(id=alias.pk).latest()
    assert (added.history_type, added.history_user) == ("+", editor)
    assert (deleted.history_type, deleted.history_user) == ("-", editor)


def test_history_of_a_deleted_record_stays_visible(editor_client, form_data, page):
    alias = page[5]
    editor_client.post(url(Alias, "delete", alias.pk), {"post": "yes"})

    response = editor_client.get(url(Alias, "history", alias.pk))

    assert response.status_code == 200
    assert [r.get_history_type_display() for r in response.context["page_obj"]] == [
        "Deleted",
        "Created",
    ]


def test_a_person_loaded_by_load_gpt4v_can_be_restored(editor_client, form_data):
    call_command("load_gpt4v", stdout=StringIO())
    raul = Person.objects.get(name="Raul Puri")
    edit(editor_client, form_data, raul, name="Raul Puri (edited)")

    history = editor_client.get(url(Person, "history", raul.pk))
    loaded = raul.history.earliest()
    revert = url(Person, "simple_history", raul.pk, loaded.history_id)
    response = editor_client.post(revert, form_data(editor_client.get(revert)))

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


def test_load_gpt4v_records_every_loaded_row_even_when_history_exists():
    # A database with history already (here Ada's) still gets the loaded rows' first versions.
    Person.objects.create(pk=1000, name="Ada Lovelace", slug="ada-lovelace")

    call_command("load_gpt4v", stdout=StringIO())

    counts = {
        model.__name__: (model.history.filter(history_type="+").count(), model.objects.count())
        for model in [Project, Resource, Section, Team, Person, Alias, Role, Acknowledgment]
    }
    assert counts == {
        "Project": (1, 1),
        "Resource": (4, 4),
        "Section": (4, 4),
        "Team": (25, 25),
        "Person": (152, 152),
        "Alias": (3, 3),
        "Role": (210, 210),
        "Acknowledgment": (3, 3),
    }
    assert Mention.history.count() == Mention.objects.count() == 32
    madeline = Person.objects.get(name="Madeline Boyd")
    assert madeline.history.get().sort_key == madeline.sort_key
