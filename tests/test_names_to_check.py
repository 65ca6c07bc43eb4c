"""People → Names to check: the names the sort rules are unsure about, their family
names and sort names edited in place, and where each stands on a project's page."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.models import Person
from tests.admin_pages import page_text, url
from tests.html_tree import parse

pytestmark = pytest.mark.django_db

NAMES_TO_CHECK = reverse("admin:people_person_names_to_check")


@pytest.fixture
def data_team(make_project, make_section, make_team):
    project = make_project("Vision", "vision")
    return make_team(make_section(project, "Research"), "Data")


@pytest.fixture
def credited(data_team, make_credit):
    """People of the team Data of the project Vision, some of whom the rules are unsure about."""
    names = [
        "Ilge Akkaya",
        "Diogo Moitinho de Almeida",
        "Cher",
        "村上春樹",
        "Jamie Kiros",
        "Todor Markov",
        "Gabriel García Márquez",
        "Luke Metz",
    ]
    for name in names:
        make_credit(name, team=data_team)
    return {person.name: person for person in Person.objects.all()}


def rows(response):
    """The listed people as the table shows them: name, reasons, and how they sort."""
    assert response.status_code == 200
    table = parse(response.text).by_id("names-to-check")
    return [
        {
            "name": row.find("th").text(),
            "why": [item.text() for item in row.find("ul", "doubts").find_all("li")],
            "sorts as": row.find("td", "sorts-as").text(),
        }
        for row in table.find("tbody").find_all("tr")
    ]


def listed(client, **filters):
    response = client.get(NAMES_TO_CHECK, filters)
    if "names-to-check" not in response.text:
        return []
    return [row["name"] for row in rows(response)]


def neighbours(response):
    """{name: [text of each place it stands on the page]} from the table."""
    table = parse(response.text).by_id("names-to-check")
    return {
        row.find("th").text(): [item.text() for item in row.find("td", "neighbours").find_all("li")]
        for row in table.find("tbody").find_all("tr")
    }


def submitted(response, changes):
    """The page's form as a browser sends it, with `changes` ({(name, field): value})."""
    data = {"people": response.context["person_ids"]}
    formset = response.context["formset"]
    management = formset.management_form
    for field in management.fields:
        data[management.add_prefix(field)] = management[field].value()
    for form in formset.forms:
        for field in form.fields:
            value = changes.get((form.instance.name, field), form[field].value())
            if value is True:
                data[form.add_prefix(field)] = "on"
            elif value not in (None, False):
                data[form.add_prefix(field)] = value
    return data


def save(client, changes, **filters):
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    address = f"{NAMES_TO_CHECK}?{query}" if query else NAMES_TO_CHECK
    return client.post(address, submitted(client.get(address), changes))


def test_the_people_list_links_to_the_names_to_check(editor_client):
    response = editor_client.get(url(Person, "changelist"))

    assert f'<a href="{NAMES_TO_CHECK}">Names to check</a>' in response.text


def test_lists_the_names_the_rules_are_unsure_about_with_why_and_how_they_sort(
    editor_client, credited
):
    response = editor_client.get(NAMES_TO_CHECK)

    assert rows(response) == [
        {
            "name": "Cher",
            "why": ["A single word: a name of its own, or a family name alone?"],
            "sorts as": "Cher under C",
        },
        {
            "name": "村上春樹",
            "why": ["Han script: sorted by its Chinese readings, even a Japanese name in Kanji."],
            "sorts as": "村上春樹 under C",
        },
        {
            "name": "Gabriel García Márquez",
            "why": ["Three or more words: which of them are the family name?"],
            "sorts as": "Márquez, Gabriel García under M",
        },
    ]
    assert "3 people." in page_text(response)


def test_lists_the_names_of_one_project_or_for_one_reason(
    editor_client, credited, make_project, make_section, make_team, make_credit
):
    other = make_team(make_section(make_project("Audio", "audio")), "Speech")
    make_credit("Madonna", team=other)
    make_credit("Cher", team=other)
    vision, audio = (
        credited["Cher"].credits.order_by("pk")[0].team.section.project,
        other.section.project,
    )

    by_project = {
        "every": listed(editor_client),
        "vision": listed(editor_client, project=vision.pk),
        "audio": listed(editor_client, project=audio.pk),
    }
    by_reason = {kind: listed(editor_client, kind=kind) for kind in ["long", "script", "single"]}

    assert by_project == {
        "every": ["Cher", "村上春樹", "Madonna", "Gabriel García Márquez"],
        "vision": ["Cher", "村上春樹", "Gabriel García Márquez"],
        "audio": ["Cher", "Madonna"],
    }
    assert by_reason == {
        "long": ["Gabriel García Márquez"],
        "script": ["村上春樹"],
        "single": ["Cher", "Madonna"],
    }


def test_the_reasons_are_counted_in_the_filter(editor_client, credited):
    response = editor_client.get(NAMES_TO_CHECK)

    options = parse(response.text).by_id("names-kind").find_all("option")
    assert [option.text() for option in options] == [
        "Every reason",
        "Three or more words (1)",
        "Not in Latin, Greek or Cyrillic letters (1)",
        "A single word (1)",
    ]


def test_beside_each_name_where_it_stands_on_the_chosen_projects_page(
    editor_client, credited, data_team
):
    project = data_team.section.project

    response = editor_client.get(NAMES_TO_CHECK, {"project": project.pk})

    assert neighbours(response) == {
        "Cher": ["Research › Data: Diogo Moitinho de Almeida · Cher · 村上春樹"],
        "村上春樹": ["Research › Data: Cher · 村上春樹 · Jamie Kiros"],
        "Gabriel García Márquez": [
            "Research › Data: Todor Markov · Gabriel García Márquez · Luke Metz"
        ],
    }


def test_a_family_name_typed_in_place_sorts_the_person_and_settles_the_name(
    editor_client, editor, credited, data_team, client
):
    project = data_team.section.project
    gabriel = credited["Gabriel García Márquez"]

    response = save(
        editor_client,
        {("Gabriel García Márquez", "family_name"): "García Márquez"},
        project=project.pk,
    )

    assert response.status_code == 302
    assert response["Location"] == f"{NAMES_TO_CHECK}?project={project.pk}"
    gabriel.refresh_from_db()
    assert gabriel.family_name == "García Márquez"
    assert gabriel.sort_key == "garcia marquez\tgabriel"
    after = editor_client.get(response["Location"])
    assert [str(message) for message in after.context["messages"]] == [
        "Saved 1 person.",
        "Gabriel García Márquez now sorts under G: in Research › Data between 村上春樹 and "
        "Jamie Kiros.",
    ]
    assert [row["name"] for row in rows(after)] == ["Cher", "村上春樹"]
    assert listed(editor_client, status="settled") == ["Gabriel García Márquez"]
    page = parse(client.get("/credits/vision/").text).by_id("research--data")
    assert [a.text() for a in page.find_all("a", "person")][3:6] == [
        "村上春樹",
        "Gabriel García Márquez",
        "Jamie Kiros",
    ]
    record = gabriel.history.first()
    assert (record.history_change_reason, record.history_user) == ("Names to check", editor)
    entry = LogEntry.objects.get(object_id=str(gabriel.pk))
    assert entry.get_change_message() == "Changed Family name."


def test_looks_right_takes_a_name_off_the_list_until_unticked(editor_client, credited):
    save(editor_client, {("Cher", "looks_right"): True})
    settled = editor_client.get(NAMES_TO_CHECK, {"status": "settled"})
    ticked = settled.context["formset"].forms[0]["looks_right"].value()
    save(editor_client, {("Cher", "looks_right"): False}, status="settled")

    assert Person.objects.get(name="Cher").sort_checked_name == ""
    assert [row["name"] for row in rows(settled)] == ["Cher"]
    assert ticked is True
    assert listed(editor_client) == ["Cher", "村上春樹", "Gabriel García Márquez"]


def test_a_confirmed_name_is_listed_again_once_the_name_changes(editor_client, credited):
    save(editor_client, {("Cher", "looks_right"): True})
    listed_after_confirming = listed(editor_client)
    cher = Person.objects.get(name="Cher")

    cher.name = "Chér"
    cher.save()

    assert listed_after_confirming == ["村上春樹", "Gabriel García Márquez"]
    assert listed(editor_client) == ["Chér", "村上春樹", "Gabriel García Márquez"]


def test_a_family_name_does_not_settle_a_transliteration_a_sort_name_does(editor_client, credited):
    save(editor_client, {("村上春樹", "family_name"): "村上"})
    after_family_name = rows(editor_client.get(NAMES_TO_CHECK, {"kind": "script"}))
    save(editor_client, {("村上春樹", "sort_name"): "Murakami, Haruki"})

    assert after_family_name == [
        {
            "name": "村上春樹",
            "why": ["Han script: sorted by its Chinese readings, even a Japanese name in Kanji."],
            "sorts as": "村上, 春樹 under C",
        }
    ]
    assert listed(editor_client) == ["Cher", "Gabriel García Márquez"]
    assert Person.objects.get(name="村上春樹").sort_key == "murakami\tharuki"


def test_a_family_name_not_in_the_name_is_refused_and_nothing_is_saved(editor_client, credited):
    response = save(
        editor_client,
        {
            ("Cher", "looks_right"): True,
            ("Gabriel García Márquez", "family_name"): "Garcia",
        },
    )

    assert response.status_code == 200
    assert "Please correct the errors below: nothing was saved." in response.text
    assert (
        "Write the family name as the name does: “Garcia” is not part of "
        "“Gabriel García Márquez”." in response.content.decode()
    )
    assert [row["sorts as"] for row in rows(response)][2] == "Márquez, Gabriel García under M"
    assert Person.objects.filter(family_name="", sort_checked_name="").count() == len(credited)


def test_a_row_of_a_person_deleted_since_is_left_out(editor_client, credited):
    data = submitted(
        editor_client.get(NAMES_TO_CHECK), {("Gabriel García Márquez", "looks_right"): True}
    )
    credited["Cher"].credits.all().delete()
    credited["Cher"].delete()

    response = editor_client.post(NAMES_TO_CHECK, data)

    assert response.status_code == 302
    assert listed(editor_client) == ["村上春樹"]


def test_saving_nothing_says_so(editor_client, credited):
    response = save(editor_client, {})

    after = editor_client.get(response["Location"])
    assert [str(message) for message in after.context["messages"]] == ["Nothing was changed."]


def test_a_hundred_names_a_page(editor_client, make_person):
    for number in range(150):
        make_person(f"Mononym{number:03}")

    first = editor_client.get(NAMES_TO_CHECK, {"kind": "single"})
    second = editor_client.get(NAMES_TO_CHECK, {"kind": "single", "page": 2})

    assert len(rows(first)) == 100
    assert [row["name"] for row in rows(second)][:2] == ["Mononym100", "Mononym101"]
    assert len(rows(second)) == 50
    assert "150 people, 101–150 below." in page_text(second)
    assert 'href="?kind=single&amp;page=2"' in first.text


def make_names(team, make_credit, count, start=0):
    for number in range(start, start + count):
        make_credit(f"Name{number:04} Given Family", team=team)


def queries(run):
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured)


def test_the_page_runs_the_same_queries_whatever_its_size(editor_client, data_team, make_credit):
    project = data_team.section.project
    make_names(data_team, make_credit, 3)

    def show():
        response = editor_client.get(NAMES_TO_CHECK, {"project": project.pk})
        assert response.status_code == 200
        return len(rows(response))

    few = queries(show)
    make_names(data_team, make_credit, 147, start=3)
    many = queries(show)

    assert show() == 100
    assert many == few


def test_saving_runs_the_same_queries_however_many_rows_change(
    editor_client, data_team, make_credit
):
    project = data_team.section.project
    make_names(data_team, make_credit, 60)
    address = f"{NAMES_TO_CHECK}?project={project.pk}"
    names = [f"Name{number:04} Given Family" for number in range(60)]

    one = submitted(editor_client.get(address), {(names[0], "family_name"): "Given Family"})
    few = queries(lambda: editor_client.post(address, one))
    many = submitted(
        editor_client.get(address), {(name, "family_name"): "Given Family" for name in names[1:]}
    )
    lots = queries(lambda: editor_client.post(address, many))

    assert Person.objects.filter(family_name="Given Family").count() == 60
    assert lots == few


def test_staff_without_the_permission_to_change_people_are_forbidden(client, credited):
    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.force_login(viewer)

    shown = client.get(NAMES_TO_CHECK)
    posted = client.post(NAMES_TO_CHECK, {"people": str(credited["Cher"].pk)})

    assert shown.status_code == 403
    assert posted.status_code == 403
