"""The credits of a big team (or section, or person) in the admin: a page of them at a time,
searchable, added by autocomplete or by pasting names, removed in bulk."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.models import Alias, ChangeSet, Credit, Person, Project, Section, Team
from people.sorting import sort_key
from tests.admin_pages import messages_after, page_text, url
from tests.html_tree import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def sized(make_project, make_section, make_team):
    """`count` of everything: a team's members, a section's lead lines, a person's credits.

    Written with one INSERT per model (no history rows), as a big import would.
    """

    def build(count):
        project = make_project("GPT-4V", "gpt-4v")
        section = make_section(project, "Research contributions")
        team = make_team(section, "Architecture research")
        other = make_team(section, "Pretraining")
        names = [f"Person {number:05}" for number in range(count)]
        people = Person.objects.bulk_create(
            Person(name=name, slug=f"person-{number}", sort_key=sort_key(name))
            for number, name in enumerate(names)
        )
        Credit.objects.bulk_create(Credit(person=person, team=team) for person in people)
        Credit.objects.bulk_create(
            Credit(person=person, section=section, title="Lead") for person in people
        )
        Credit.objects.bulk_create(
            Credit(person=people[0], team=other, title=f"Credit {number}")
            for number in range(count)
        )
        return {"project": project, "section": section, "team": team, "person": people[0]}

    return build


def change_pages(place):
    return {
        "team": url(Team, "change", place["team"].pk),
        "section": url(Section, "change", place["section"].pk),
        "project": url(Project, "change", place["project"].pk),
        "person": url(Person, "change", place["person"].pk),
    }


def queries_and_sizes(client, pages):
    measured = {}
    for name, address in pages.items():
        # Once first, so that what Django caches per process (content types) is cached.
        client.get(address)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(address)
        assert response.status_code == 200, name
        measured[name] = (len(queries), len(response.content))
    return measured


def test_change_pages_take_the_same_queries_whatever_their_size(editor_client, sized):
    small = queries_and_sizes(editor_client, change_pages(sized(5)))
    for model in [Credit, Team, Section, Project, Person]:
        model.objects.all().delete()
    big = queries_and_sizes(editor_client, change_pages(sized(300)))

    assert {page: count for page, (count, _) in big.items()} == {
        page: count for page, (count, _) in small.items()
    }
    # A page of 100 members or lead lines (3,000 members once took 8.4 MB), and the first
    # 100 of the person's 300 credits.
    sizes = {page: size for page, (_, size) in big.items()}
    assert sizes["team"] < 100_000 and sizes["section"] < 100_000, sizes
    assert sizes["person"] < 400_000, sizes


def test_a_team_lists_a_page_of_its_members_in_name_order(editor_client, sized):
    team = sized(300)["team"]

    first = parse(editor_client.get(url(Team, "change", team.pk)).text)
    second = parse(editor_client.get(url(Team, "change", team.pk), {"page": "3"}).text)

    panel = first.by_id("credits")
    names = [row.find("th").text() for row in panel.find("tbody").find_all("tr")]
    assert panel.find("h2").text() == "Members: 300"
    assert names[:2] == ["Person 00000", "Person 00001"] and len(names) == 100
    assert [nav.text() for nav in panel.find_all("nav")] == ["Page 1 of 3 (1–100) Next ›"] * 2
    last = [row.find("th").text() for row in second.by_id("credits").find("tbody").find_all("tr")]
    assert last[-1] == "Person 00299"


def test_members_are_found_by_any_spelling_ignoring_accents(
    editor_client, one_of_each, make_person, make_credit
):
    team = one_of_each[Team]
    ada = make_credit("Ada Lovelace", team=team, title="Analysis lead").person
    Alias.objects.create(person=ada, name="Augusta King")

    def found(query):
        page = parse(editor_client.get(url(Team, "change", team.pk), {"q": query}).text)
        return [row.text() for row in page.by_id("credits").find("tbody").find_all("tr")]

    assert found("mely") == ["David Mélý Edit · David Mélý’s page"]
    assert found("augusta") == ["Ada Lovelace Analysis lead Edit · Ada Lovelace’s page"]
    assert found("ANALYSIS") == ["Ada Lovelace Analysis lead Edit · Ada Lovelace’s page"]
    assert found("nobody") == ["No members match “nobody”."]


# Pasting names


def paste(client, place, text, **more):
    return client.post(url(type(place), "credits_paste", place.pk), {"paste-names": text, **more})


@pytest.fixture
def team(one_of_each, make_person):
    make_person("Madeleine Boyd")
    return one_of_each[Team]


PASTED = "Kim Lee\ndavid mélý\n\nMadelaine Boyd\tEvaluation lead\nKim Lee\n"


def test_pasted_names_are_previewed_and_nothing_is_written(editor_client, team):
    before = Credit.objects.count(), Person.objects.count()

    response = paste(editor_client, team, PASTED)

    page = parse(response.text)
    assert response.status_code == 200
    assert page.find("p", "paste-summary").text() == (
        "2 to add, of whom 2 new people; 1 already listed; 1 line repeats an earlier one."
    )
    assert [item.text() for item in page.find("ul", "new-people").find_all("li")] == [
        "Kim Lee",
        "Madelaine Boyd — looks like Madeleine Boyd",
    ]
    assert [item.text() for item in page.find("ul", "to-add").find_all("li")] == [
        "Kim Lee (new person)",
        "Madelaine Boyd — Evaluation lead (new person)",
    ]
    assert [item.text() for item in page.find("ul", "already-listed").find_all("li")] == [
        "David Mélý"
    ]
    assert "Line 5 repeats line 1." in page_text(response)
    assert (Credit.objects.count(), Person.objects.count()) == before


def test_confirmed_names_are_added_as_the_import_adds_them(editor_client, editor, team):
    preview = paste(editor_client, team, PASTED)

    response = paste(
        editor_client, team, PASTED, confirm="yes", digest=preview.context["plan"].digest()
    )

    assert messages_after(editor_client, response) == [
        "Added 2 members, of whom 2 new people; 1 already listed."
    ]
    assert sorted(team.credits.values_list("person__name", "title")) == [
        ("David Mélý", ""),
        ("Kim Lee", ""),
        ("Madelaine Boyd", "Evaluation lead"),
    ]
    change_set = ChangeSet.objects.get()
    assert (change_set.kind, change_set.user) == ("import", editor)
    assert "names pasted into Research contributions › Architecture research" in (
        change_set.description
    )
    assert Credit.history.filter(history_type="+", history_user=editor).count() == 2


def test_nothing_is_added_when_the_credits_changed_since_the_preview(
    editor_client, team, make_credit
):
    preview = paste(editor_client, team, PASTED)
    make_credit("Kim Lee", team=team)

    response = paste(
        editor_client, team, PASTED, confirm="yes", digest=preview.context["plan"].digest()
    )

    assert response.status_code == 200
    assert "changed since the preview" in page_text(response)
    assert team.credits.count() == 2


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Kim Lee\n\tLead\n", "Line 2: a title without a name; put the name first."),
        ("Kim Lee\n" + "x" * 201, "Line 2: a name of 201 characters; at most 200 are allowed."),
        ("Kim\u202eLee", "Line 1: This name contains an invisible text-direction character"),
        ("   \n\n", "Paste at least one name."),
        ("Kim Lee\tLead\tResearch", "Line 1: more than two columns"),
    ],
    ids=["title-only", "too-long", "hidden-character", "empty", "three-columns"],
)
def test_pasted_lines_that_cannot_be_names_add_nothing(editor_client, team, text, problem):
    response = paste(editor_client, team, text)

    assert response.status_code == 200
    assert "Nothing was added: correct these lines and preview again." in page_text(response)
    assert problem in page_text(response)
    assert "confirm" not in response.content.decode()


def test_pasted_lead_lines_need_their_titles(editor_client, one_of_each):
    section = one_of_each[Section]

    refused = paste(editor_client, section, "Kim Lee")
    preview = paste(editor_client, section, "Kim Lee\tSafety lead")

    assert "Line 1: a lead line needs a title: “Kim Lee”, a tab, then the title." in (
        page_text(refused)
    )
    response = paste(
        editor_client,
        section,
        "Kim Lee\tSafety lead",
        confirm="yes",
        digest=preview.context["plan"].digest(),
    )
    assert response.status_code == 302
    assert section.leads.get(person__name="Kim Lee").title == "Safety lead"


def test_the_unheaded_group_is_pasted_without_titles(editor_client, one_of_each, make_team):
    group = make_team(one_of_each[Section], "")

    refused = paste(editor_client, group, "Kim Lee\tLead")
    preview = paste(editor_client, group, "Kim Lee")

    assert "members of a group without a heading are pasted without titles" in page_text(refused)
    paste(editor_client, group, "Kim Lee", confirm="yes", digest=preview.context["plan"].digest())
    assert list(group.credits.values_list("person__name", "title")) == [("Kim Lee", "")]
    assert not Credit.objects.filter(section__isnull=False, person__name="Kim Lee").exists()


# Removing in bulk


def remove(client, place, **data):
    return client.post(url(type(place), "credits_remove", place.pk), data)


def test_removing_members_asks_then_removes_them_with_history(editor_client, editor, sized):
    team = sized(5)["team"]
    chosen = list(team.credits.order_by("person__sort_key")[:2])
    ids = [credit.pk for credit in chosen]

    confirmation = parse(remove(editor_client, team, credit=ids).text)
    before = team.credits.count()
    response = remove(editor_client, team, credit=ids, count="2", confirm="yes")

    listed = confirmation.find("ul", "credits-to-remove").find_all("li")
    assert [item.text() for item in listed] == ["Person 00000", "Person 00001"]
    assert before == 5
    assert messages_after(editor_client, response) == [
        "Removed 2 members from Research contributions › Architecture research — GPT-4V."
    ]
    assert team.credits.count() == 3
    removed = Credit.history.filter(history_type="-")
    assert sorted(removed.values_list("id", flat=True)) == sorted(ids)
    assert {(record.history_user, record.history_change_reason) for record in removed} == {
        (
            editor,
            "Removed from Research contributions › Architecture research — GPT-4V in the admin",
        )
    }
    entry = LogEntry.objects.get()
    assert (entry.object_id, entry.action_flag) == (str(team.pk), CHANGE)
    assert (entry.user, entry.get_change_message()) == (editor, "Removed 2 members.")


def test_all_members_matching_a_search_can_be_removed(editor_client, sized):
    team = sized(300)["team"]

    matching = team.credits.filter(person__name__contains="001").count()

    confirmation = remove(editor_client, team, all="yes", q="person 001")
    response = remove(
        editor_client, team, all="yes", q="person 001", count=str(matching), confirm="yes"
    )

    assert matching == 111
    assert f"Remove {matching} members from" in page_text(confirmation)
    assert "And 11 more." in page_text(confirmation)
    assert response.status_code == 302
    assert team.credits.count() == 300 - matching
    assert not team.credits.filter(person__name__contains="001").exists()


def test_removing_members_that_changed_since_asks_again(editor_client, sized):
    team = sized(5)["team"]
    ids = list(team.credits.values_list("pk", flat=True)[:2])
    Credit.objects.filter(pk=ids[0]).delete()

    response = remove(editor_client, team, credit=ids, count="2", confirm="yes")

    assert response.status_code == 200
    assert "changed since you chose them" in page_text(response)
    assert "Yes, remove 1 member" in page_text(response)
    assert team.credits.count() == 4


def test_adding_and_removing_need_the_permissions(client, one_of_each, make_person):
    viewer = User.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_team", "view_credit"])
    )
    client.force_login(viewer)
    team = one_of_each[Team]

    page = client.get(url(Team, "change", team.pk))
    added = client.post(url(Team, "credits_add", team.pk), {"add-person": one_of_each["raul"].pk})
    pasted = paste(client, team, "Kim Lee")
    removed = remove(client, team, credit=[one_of_each[Credit].pk], count="1", confirm="yes")

    assert page.status_code == 200
    assert "Add a member" not in page_text(page) and "Remove the selected" not in page_text(page)
    assert (added.status_code, pasted.status_code, removed.status_code) == (403, 403, 403)
    assert team.credits.count() == 1


# A person with many credits


def test_a_person_page_shows_a_hundred_credits_and_links_to_all(editor_client, sized):
    person = sized(150)["person"]

    response = editor_client.get(url(Person, "change", person.pk))
    everything = editor_client.get(url(Credit, "changelist"), {"person__id__exact": person.pk})

    formset = response.context["inline_admin_formsets"][1].formset
    assert len(formset.forms) == 100
    assert "52 more credits of Person 00000 are not shown here" in page_text(response)
    assert everything.context["cl"].result_count == 152
