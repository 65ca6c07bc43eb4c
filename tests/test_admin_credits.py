"""Credits in the admin: lead lines and team members, edited on their own, on their section's,
team's or person's page, and the pickers of their place; the checks that keep them whole."""

import pytest

from people.models import Credit, Person, Project, Section, Team
from tests.admin_pages import errors_of, messages_after, url
from tests.html_tree import parse

pytestmark = pytest.mark.django_db


def add_credit(client, place, person, title=""):
    """Add a credit with the "Add a member" (or "Add a lead line") form of the place's page."""
    return client.post(
        url(type(place), "credits_add", place.pk), {"add-person": person.pk, "add-title": title}
    )


def test_add_member_on_the_team_page(editor_client, one_of_each, make_person):
    kim = make_person("Kim Lee")
    team = one_of_each[Team]

    response = add_credit(editor_client, team, kim)

    assert messages_after(editor_client, response) == [
        "Added Kim Lee to Research contributions › Architecture research — GPT-4V."
    ]
    assert sorted(team.credits.values_list("person__name", flat=True)) == ["David Mélý", "Kim Lee"]


def test_new_team_is_saved_with_its_members(editor_client, submit_form, one_of_each, make_person):
    kim = make_person("Kim Lee")

    response = submit_form(
        editor_client,
        url(Team, "add"),
        {
            "section": one_of_each[Section].pk,
            "name": "Pretraining",
            "credits-TOTAL_FORMS": "1",
            "credits-0-person": kim.pk,
            "credits-0-title": "Lead",
        },
    )

    assert response.status_code == 302, errors_of(response)
    team = Team.objects.get(name="Pretraining")
    assert list(team.credits.values_list("person__name", "title")) == [("Kim Lee", "Lead")]


def test_new_section_is_saved_with_its_lead_lines(
    editor_client, submit_form, one_of_each, make_person
):
    kim = make_person("Kim Lee")

    response = submit_form(
        editor_client,
        url(Section, "add"),
        {
            "project": one_of_each[Project].pk,
            "title": "Safety",
            "position": "2",
            "leads-TOTAL_FORMS": "1",
            "leads-0-person": kim.pk,
            "leads-0-title": "Lead",
        },
    )

    assert response.status_code == 302, errors_of(response)
    section = Section.objects.get(title="Safety")
    assert list(section.leads.values_list("person__name", "title")) == [("Kim Lee", "Lead")]


def test_edit_lead_lines_and_team_order_on_the_section_page(
    editor_client, form_data, one_of_each, make_team
):
    section = one_of_each[Section]
    second = make_team(section, "Vision", position=2)
    data = form_data(editor_client.get(url(Section, "change", section.pk)))
    team_rows = {data[f"teams-{i}-id"]: i for i in range(2)}
    data[f"teams-{team_rows[second.pk]}-position"] = "0"

    response = editor_client.post(url(Section, "change", section.pk), data)
    lead = add_credit(editor_client, section, one_of_each[Person], "Vision lead")

    assert response.status_code == 302, errors_of(response)
    assert lead.status_code == 302
    assert [team.name for team in section.teams.all()] == ["Vision", "Architecture research"]
    assert section.leads.get(person=one_of_each[Person]).title == "Vision lead"


def test_team_autocomplete_names_the_section(editor_client, one_of_each):
    response = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "people", "model_name": "credit", "field_name": "team", "term": "archi"},
    )

    assert response.json()["results"] == [
        {
            "id": str(one_of_each[Team].pk),
            "text": "GPT-4V: Research contributions: Architecture research",
        }
    ]


# Pickers of a section or team: labelled by what tells places apart, within the project


def picker(response, name):
    """The (address it asks for choices, label of the picked place) of a place picker."""
    select = next(
        node for node in parse(response.text).find_all("select") if node.attrs["name"] == name
    )
    picked = [option.text() for option in select.find_all("option") if "selected" in option.attrs]
    return select.attrs["data-ajax--url"], picked


def test_a_persons_credits_name_their_places_within_their_project(editor_client, one_of_each):
    project, david = one_of_each[Project], one_of_each[Person]
    raul = one_of_each["raul"]

    credits = editor_client.get(url(Person, "change", david.pk))
    lead = editor_client.get(url(Person, "change", raul.pk))

    places = f"/admin/people/credit/places/?project={project.pk}"
    assert picker(credits, "credits-0-team") == (
        places,
        ["Research contributions › Architecture research"],
    )
    assert picker(credits, "credits-0-section") == (places, [])
    assert picker(lead, "credits-0-section") == (places, ["Research contributions"])
    assert picker(credits, "credits-__prefix__-team") == ("/admin/people/credit/places/", [])


def test_a_teams_section_picker_names_only_the_section(editor_client, one_of_each):
    team = one_of_each[Team]

    response = editor_client.get(url(Team, "change", team.pk))

    places = f"/admin/people/credit/places/?project={one_of_each[Project].pk}"
    assert picker(response, "section") == (places, ["Research contributions"])


def places(client, field_name, term, **more):
    query = {"app_label": "people", "model_name": "credit", "field_name": field_name, "term": term}
    return client.get("/admin/people/credit/places/", {**query, **more})


def test_place_choices_are_the_projects_own_without_its_title(
    editor_client, one_of_each, make_project, make_section, make_team
):
    project = one_of_each[Project]
    make_team(make_section(make_project("GPT-5", "gpt-5"), "Research"), "Architecture")

    within = places(editor_client, "team", "archi", project=project.pk)
    everywhere = places(editor_client, "team", "archi")
    sections = places(editor_client, "section", "", project=project.pk)

    team = one_of_each[Team]
    assert within.json()["results"] == [
        {"id": str(team.pk), "text": "Research contributions › Architecture research"}
    ]
    assert [result["text"] for result in everywhere.json()["results"]] == [
        "Research contributions › Architecture research — GPT-4V",
        "Research › Architecture — GPT-5",
    ]
    assert sections.json()["results"] == [
        {"id": str(one_of_each[Section].pk), "text": "Research contributions"}
    ]


def test_place_choices_are_only_places(editor_client, one_of_each):
    response = places(editor_client, "person", "david")

    assert response.status_code == 403


# Form errors: a 200 with the message, nothing written.


@pytest.fixture
def credit_form(editor_client, submit_form):
    """Send the role add form with `fields`; section, team and title empty unless given."""

    def add(**fields):
        empty = {"section": "", "team": "", "title": ""}
        return submit_form(editor_client, url(Credit, "add"), {**empty, **fields})

    return add


def test_role_in_both_a_section_and_a_team_is_refused(credit_form, one_of_each):
    response = credit_form(
        person=one_of_each["raul"].pk,
        section=one_of_each[Section].pk,
        team=one_of_each[Team].pk,
        title="Lead",
    )

    assert "Choose either a section (for a lead line) or a team, not both." in errors_of(response)
    assert Credit.objects.count() == 2


def test_role_in_neither_a_section_nor_a_team_is_refused(credit_form, one_of_each):
    response = credit_form(person=one_of_each["raul"].pk, title="Lead")

    assert "Choose either a section (for a lead line) or a team, not both." in errors_of(response)
    assert Credit.objects.count() == 2


def test_lead_line_without_title_is_refused(credit_form, one_of_each):
    response = credit_form(person=one_of_each[Person].pk, section=one_of_each[Section].pk)

    assert errors_of(response) == "A lead line under a section needs a title."
    assert Credit.objects.count() == 2


def test_duplicate_team_role_is_refused(credit_form, one_of_each):
    response = credit_form(person=one_of_each[Person].pk, team=one_of_each[Team].pk)

    assert errors_of(response) == "This person already has this credit in this team."
    assert Credit.objects.count() == 2


def test_duplicate_lead_line_is_refused(credit_form, one_of_each):
    response = credit_form(
        person=one_of_each["raul"].pk, section=one_of_each[Section].pk, title="Overall lead"
    )

    assert errors_of(response) == "This person already has this lead line in this section."
    assert Credit.objects.count() == 2


def test_duplicate_member_on_the_team_page_is_refused(editor_client, one_of_each):
    team = one_of_each[Team]

    response = add_credit(editor_client, team, one_of_each[Person])

    assert messages_after(editor_client, response) == [
        "David Mélý: This person already has this credit in this team."
    ]
    assert team.credits.count() == 1


def test_same_member_twice_in_a_new_teams_form_is_refused(editor_client, submit_form, one_of_each):
    raul = one_of_each["raul"].pk

    response = submit_form(
        editor_client,
        url(Team, "add"),
        {
            "section": one_of_each[Section].pk,
            "name": "Vision",
            "credits-TOTAL_FORMS": "2",
            "credits-0-person": raul,
            "credits-1-person": raul,
        },
    )

    errors = errors_of(response)
    assert "Please remove the credits listed twice." in errors
    assert "This credit is listed twice." in response.content.decode()
    assert not Team.objects.filter(name="Vision").exists()


def test_duplicate_lead_line_on_the_section_page_is_refused(editor_client, one_of_each):
    section = one_of_each[Section]

    response = add_credit(editor_client, section, one_of_each["raul"], "Overall lead")

    assert messages_after(editor_client, response) == [
        "Raul Puri: This person already has this lead line in this section."
    ]
    assert section.leads.count() == 1


def test_lead_line_without_title_is_refused_on_the_section_pages(
    editor_client, submit_form, one_of_each
):
    section = one_of_each[Section]

    on_its_page = messages_after(
        editor_client, add_credit(editor_client, section, one_of_each[Person])
    )
    in_a_new_section = submit_form(
        editor_client,
        url(Section, "add"),
        {
            "project": one_of_each[Project].pk,
            "title": "Safety",
            "leads-TOTAL_FORMS": "1",
            "leads-0-person": one_of_each[Person].pk,
        },
    )

    assert on_its_page == ["Title: This field is required."]
    assert section.leads.count() == 1
    assert in_a_new_section.status_code == 200
    lead_forms = in_a_new_section.context["inline_admin_formsets"][0].formset.forms
    assert lead_forms[0].errors == {"title": ["This field is required."]}
    assert not Section.objects.filter(title="Safety").exists()


def test_duplicate_credit_in_the_person_form_is_refused(editor_client, submit_form, one_of_each):
    david = one_of_each[Person]

    response = submit_form(
        editor_client,
        url(Person, "change", david.pk),
        {"credits-TOTAL_FORMS": "2", "credits-1-team": one_of_each[Team].pk},
    )

    assert "This person already has this credit in this team." in errors_of(response)
    assert david.credits.count() == 1


def test_credit_in_both_places_in_the_person_form_is_refused(
    editor_client, submit_form, one_of_each
):
    david = one_of_each[Person]

    response = submit_form(
        editor_client,
        url(Person, "change", david.pk),
        {
            "credits-TOTAL_FORMS": "2",
            "credits-1-team": one_of_each[Team].pk,
            "credits-1-section": one_of_each[Section].pk,
            "credits-1-title": "Lead",
        },
    )

    assert "Choose either a section (for a lead line) or a team, not both." in errors_of(response)
    assert david.credits.count() == 1


# Team names, which ignore case


@pytest.mark.parametrize("name", ["Architecture research", "ARCHITECTURE Research"])
def test_duplicate_team_name_is_refused(editor_client, submit_form, one_of_each, name):
    response = submit_form(
        editor_client, url(Team, "add"), section=one_of_each[Section].pk, name=name
    )

    assert errors_of(response) == "A team with this name already exists in this section."
    assert Team.objects.count() == 1


# SQLite lowers only ASCII by itself: this is the run that proves people.apps gives it LOWER.
@pytest.mark.sqlite
def test_team_names_differing_only_in_non_ascii_case_are_one_name(
    editor_client, submit_form, one_of_each, make_team
):
    make_team(one_of_each[Section], "Équipe Ω")

    response = submit_form(
        editor_client, url(Team, "add"), section=one_of_each[Section].pk, name="éQUIPE ω"
    )

    assert errors_of(response) == "A team with this name already exists in this section."
    assert Team.objects.count() == 2


def test_second_unheaded_group_is_refused(editor_client, submit_form, one_of_each, make_team):
    make_team(one_of_each[Section], "")

    response = submit_form(
        editor_client, url(Team, "add"), section=one_of_each[Section].pk, name=""
    )

    assert errors_of(response) == "A team with this name already exists in this section."
    assert Team.objects.count() == 2


@pytest.mark.parametrize("name", ["Architecture research", "architecture RESEARCH"])
def test_duplicate_team_name_in_the_section_form_is_refused(
    editor_client, submit_form, one_of_each, name
):
    section = one_of_each[Section]

    response = submit_form(
        editor_client,
        url(Section, "change", section.pk),
        {"teams-TOTAL_FORMS": "2", "teams-1-name": name, "teams-1-position": "2"},
    )

    assert "A team with this name already exists in this section." in errors_of(response)
    assert section.teams.count() == 1


@pytest.mark.parametrize("view", ["add", "change"])
def test_two_new_teams_differing_only_in_case_in_one_form_are_refused(
    editor_client, form_data, one_of_each, view
):
    section = one_of_each[Section]
    address = url(Section, "change", section.pk) if view == "change" else url(Section, "add")
    data = form_data(editor_client.get(address))
    if view == "add":
        data.update({"project": one_of_each[Project].pk, "title": "Deployment"})
    first, second = int(data["teams-TOTAL_FORMS"]), int(data["teams-TOTAL_FORMS"]) + 1
    data.update({"teams-TOTAL_FORMS": str(second + 1)})
    data.update({f"teams-{first}-name": "Data", f"teams-{first}-position": "5"})
    data.update({f"teams-{second}-name": "data", f"teams-{second}-position": "6"})

    response = editor_client.post(address, data)

    assert "Please correct the names listed twice." in errors_of(response)
    assert "“data” repeats “Data”: names that differ only in case are the same." in (
        response.content.decode()
    )
    assert Team.objects.count() == 1
    assert Section.objects.count() == 1


# Deleting what still carries credits


def test_deleting_a_team_with_members_in_bulk_is_refused(editor_client, one_of_each):
    team = one_of_each[Team]
    action = {"action": "delete_selected", "_selected_action": [team.pk]}

    page = editor_client.post(url(Team, "changelist"), action)
    confirm = editor_client.post(url(Team, "changelist"), {**action, "post": "yes"})

    for response in [page, confirm]:
        assert response.status_code == 200
        html = response.content.decode()
        assert "would require deleting the following protected related objects" in html
    assert Team.objects.filter(pk=team.pk).exists()


def test_the_sections_list_counts_teams_and_lead_lines(
    editor_client, one_of_each, make_team, make_credit
):
    section = one_of_each[Section]
    make_team(section, "Vision")
    make_credit("Kim Lee", section=section, title="Vision lead")
    make_credit("Ada Lovelace", section=section, title="Data lead")

    response = editor_client.get(url(Section, "changelist"))

    [listed] = response.context["cl"].result_list
    assert (listed.team_count, listed.lead_count) == (2, 3)
    row = parse(response.text).find("tbody").find("tr")
    assert [
        row.find("td", "field-team_count").text(),
        row.find("td", "field-lead_count").text(),
    ] == [
        "2",
        "3",
    ]
