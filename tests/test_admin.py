import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.urls import reverse

from people.models import (
    Acknowledgment,
    Alias,
    DistinctPair,
    Mention,
    Person,
    PersonRedirect,
    Project,
    Resource,
    Role,
    Section,
    Team,
)
from people.sorting import sort_key

pytestmark = pytest.mark.django_db

MODELS = [
    Project,
    Resource,
    Section,
    Team,
    Person,
    Alias,
    Role,
    Acknowledgment,
    Mention,
    PersonRedirect,
    DistinctPair,
]


def url(model, view, *args):
    return reverse(f"admin:people_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def sample(db):
    """One saved object of every model, linked as on a real credits page."""
    project = Project.objects.create(title="GPT-4V", slug="gpt-4v")
    section = Section.objects.create(project=project, title="Research contributions", position=1)
    team = Team.objects.create(section=section, name="Architecture research", position=1)
    david = Person.objects.create(name="David Mélý", slug="david-mely")
    raul = Person.objects.create(name="Raul Puri", slug="raul-puri")
    acknowledgment = Acknowledgment.objects.create(
        project=project, text="We thank our red teamers."
    )
    return {
        Project: project,
        Resource: Resource.objects.create(
            project=project, title="System card", url="https://example.org/system-card"
        ),
        Section: section,
        Team: team,
        Person: david,
        Alias: Alias.objects.create(person=david, name="David Mely"),
        Role: Role.objects.create(person=david, team=team),
        Acknowledgment: acknowledgment,
        Mention: Mention.objects.create(acknowledgment=acknowledgment, person=raul),
        PersonRedirect: PersonRedirect.objects.create(old_slug="david-mely-2", person=david),
        DistinctPair: DistinctPair.objects.create(first=david, second=raul),
        "raul": raul,
        "lead": Role.objects.create(person=raul, section=section, title="Overall lead"),
    }


def add_form(client, form_data, model, **fields):
    """POST the add form of `model` with `fields` filled in; return the response."""
    data = form_data(client.get(url(model, "add")))
    data.update({name: str(value) for name, value in fields.items()})
    return client.post(url(model, "add"), data)


def errors_of(response):
    """The error messages of a re-displayed admin form, its inlines included."""
    assert response.status_code == 200, "expected the form again, with errors"
    messages = [message for errors in response.context["errors"] for message in errors]
    for inline in response.context["inline_admin_formsets"]:
        messages += inline.formset.non_form_errors()
    return " ".join(messages)


def test_every_credits_model_is_registered():
    registered = [model for model in admin.site._registry if model._meta.app_label == "people"]

    assert registered == MODELS


def test_site_header_and_index_grouped_in_working_order(editor_client):
    response = editor_client.get(reverse("admin:index"))

    html = response.content.decode()
    assert "Credits administration" in html
    groups = [app["name"] for app in response.context["app_list"]]
    assert groups[:2] == ["Credits pages", "People"]
    credits_pages = [model["name"] for model in response.context["app_list"][0]["models"]]
    assert credits_pages == [
        "Projects",
        "Resources",
        "Sections",
        "Teams",
        "Roles",
        "Acknowledgments",
        "Mentions",
    ]
    assert html.index(">Projects<") < html.index(">Sections<") < html.index(">Teams<")


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_editor_sees_list_add_and_change_pages(editor_client, sample, model):
    obj = sample[model]

    changelist = editor_client.get(url(model, "changelist"))
    add = editor_client.get(url(model, "add"))
    change = editor_client.get(url(model, "change", obj.pk))

    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1
    assert add.status_code == 200
    assert change.status_code == 200
    assert change.context["original"] == obj


@pytest.mark.parametrize("model", [Project, Person, Role], ids=lambda model: model.__name__)
def test_editor_sees_history_pages(editor_client, sample, model):
    response = editor_client.get(url(model, "history", sample[model].pk))

    assert response.status_code == 200
    assert b"Changed by" in response.content


def test_add_project_with_resources_sections_and_acknowledgments(editor_client, form_data):
    data = form_data(editor_client.get(url(Project, "add")))
    data.update(
        {
            "title": "GPT-5",
            "slug": "gpt-5",
            "citation": "OpenAI (2025)",
            "resources-TOTAL_FORMS": "1",
            "resources-0-title": "System card",
            "resources-0-url": "https://example.org/card",
            "resources-0-position": "1",
            "sections-TOTAL_FORMS": "2",
            "sections-0-title": "Research contributions",
            "sections-0-position": "1",
            "sections-1-title": "Deployment",
            "sections-1-position": "2",
            "acknowledgments-TOTAL_FORMS": "1",
            "acknowledgments-0-text": "We thank the red teamers.",
            "acknowledgments-0-position": "1",
        }
    )

    response = editor_client.post(url(Project, "add"), data)

    assert response.status_code == 302
    project = Project.objects.get(slug="gpt-5")
    assert not project.is_published
    assert [s.title for s in project.sections.all()] == ["Research contributions", "Deployment"]
    assert project.resources.get().url == "https://example.org/card"
    assert project.acknowledgments.get().text == "We thank the red teamers."


def test_add_person_computes_the_sort_key(editor_client, form_data):
    response = add_form(editor_client, form_data, Person, name="  Łukasz   Kondraciuk ", slug="lk")

    assert response.status_code == 302
    person = Person.objects.get(slug="lk")
    assert person.name == "Łukasz Kondraciuk"
    assert person.sort_key == sort_key("Łukasz Kondraciuk")
    assert person.sort_key.startswith("kondraciuk")
    change = editor_client.get(url(Person, "change", person.pk))
    assert person.sort_key in change.content.decode()


def test_person_add_form_prepopulates_the_slug_and_explains_the_sort_key(editor_client):
    response = editor_client.get(url(Person, "add"))

    html = response.content.decode()
    assert "&quot;id&quot;: &quot;#id_slug&quot;" in html
    assert "&quot;dependency_ids&quot;: [&quot;#id_name&quot;]" in html
    assert "Leave empty to sort by the family name worked out from the name." in html
    assert "Lists of people are ordered by the sort key." in html


@pytest.mark.parametrize(
    ("model", "fields", "check"),
    [
        (Resource, {"title": "Paper", "url": "https://example.org/p"}, {"title": "Paper"}),
        (Section, {"title": "Deployment", "position": 2}, {"title": "Deployment"}),
        (Team, {"name": "Pretraining", "position": 2}, {"name": "Pretraining"}),
        (Alias, {"name": "Dave Mely"}, {"name": "Dave Mely"}),
        (Role, {"title": "Optimization lead"}, {"title": "Optimization lead"}),
        (Acknowledgment, {"text": "Thanks to Be My Eyes."}, {"text": "Thanks to Be My Eyes."}),
        (PersonRedirect, {"old_slug": "dm"}, {"old_slug": "dm"}),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "",
)
def test_add_form_saves(editor_client, form_data, sample, model, fields, check):
    links = {
        "project": sample[Project].pk,
        "section": sample[Section].pk,
        "person": sample["raul"].pk,
    }
    if model is Role:
        links["team"] = sample[Team].pk
        del links["section"]

    response = add_form(editor_client, form_data, model, **links, **fields)

    assert response.status_code == 302, errors_of(response)
    assert model.objects.filter(**check).count() == 1


def test_add_lead_line_and_mention_and_distinct_pair(editor_client, form_data, sample):
    kim = Person.objects.create(name="Kim Lee", slug="kim-lee")

    lead = add_form(
        editor_client, form_data, Role, person=kim.pk, section=sample[Section].pk, title="Lead"
    )
    mention = add_form(
        editor_client, form_data, Mention, acknowledgment=sample[Acknowledgment].pk, person=kim.pk
    )
    pair = add_form(editor_client, form_data, DistinctPair, first=kim.pk, second=sample[Person].pk)

    assert [lead.status_code, mention.status_code, pair.status_code] == [302, 302, 302]
    assert Role.objects.filter(person=kim, section=sample[Section], title="Lead").exists()
    assert Mention.objects.filter(person=kim).exists()
    saved = DistinctPair.objects.get(decided_by__username="editor")
    assert (saved.first, saved.second) == (sample[Person], kim)


def search_people(client, term):
    response = client.get(url(Person, "changelist"), {"q": term})
    return [person.name for person in response.context["cl"].result_list]


def test_person_search_ignores_accents_and_case(editor_client, sample):
    Person.objects.create(name="Ann Meller", slug="ann-meller")

    results = [search_people(editor_client, q) for q in ["mely", "MÉLÝ", "mely david", "puri"]]

    assert results == [["David Mélý"], ["David Mélý"], ["David Mélý"], ["Raul Puri"]]


def test_person_search_finds_other_spellings(editor_client, sample):
    before = search_people(editor_client, "Dave")
    Alias.objects.create(person=sample["raul"], name="Dave Puri")

    after = search_people(editor_client, "Dave")

    assert (before, after) == ([], ["Raul Puri"])


def test_person_autocomplete_returns_matches(editor_client, sample):
    response = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "people", "model_name": "role", "field_name": "person", "term": "mely"},
    )

    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(sample[Person].pk), "text": "David Mélý"}]


def test_team_autocomplete_names_the_section(editor_client, sample):
    response = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "people", "model_name": "role", "field_name": "team", "term": "archi"},
    )

    assert response.json()["results"] == [
        {
            "id": str(sample[Team].pk),
            "text": "GPT-4V: Research contributions: Architecture research",
        }
    ]


def test_add_member_through_the_team_form(editor_client, form_data, sample):
    kim = Person.objects.create(name="Kim Lee", slug="kim-lee")
    team = sample[Team]
    data = form_data(editor_client.get(url(Team, "change", team.pk)))
    data.update({"roles-TOTAL_FORMS": "2", "roles-1-person": kim.pk, "roles-1-title": ""})

    response = editor_client.post(url(Team, "change", team.pk), data)

    assert response.status_code == 302, errors_of(response)
    assert sorted(team.roles.values_list("person__name", flat=True)) == ["David Mélý", "Kim Lee"]


def test_new_team_is_saved_with_its_members(editor_client, form_data, sample):
    kim = Person.objects.create(name="Kim Lee", slug="kim-lee")
    data = form_data(editor_client.get(url(Team, "add")))
    data.update({"section": sample[Section].pk, "name": "Pretraining"})
    data.update({"roles-TOTAL_FORMS": "1", "roles-0-person": kim.pk, "roles-0-title": "Lead"})

    response = editor_client.post(url(Team, "add"), data)

    assert response.status_code == 302, errors_of(response)
    team = Team.objects.get(name="Pretraining")
    assert list(team.roles.values_list("person__name", "title")) == [("Kim Lee", "Lead")]


def test_new_section_is_saved_with_its_lead_lines(editor_client, form_data, sample):
    kim = Person.objects.create(name="Kim Lee", slug="kim-lee")
    data = form_data(editor_client.get(url(Section, "add")))
    data.update({"project": sample[Section].project_id, "title": "Safety", "position": "2"})
    data.update({"leads-TOTAL_FORMS": "1", "leads-0-person": kim.pk, "leads-0-title": "Lead"})

    response = editor_client.post(url(Section, "add"), data)

    assert response.status_code == 302, errors_of(response)
    section = Section.objects.get(title="Safety")
    assert list(section.leads.values_list("person__name", "title")) == [("Kim Lee", "Lead")]


def test_edit_lead_lines_and_team_order_through_the_section_form(editor_client, form_data, sample):
    section = sample[Section]
    second = Team.objects.create(section=section, name="Vision", position=2)
    data = form_data(editor_client.get(url(Section, "change", section.pk)))
    team_rows = {data[f"teams-{i}-id"]: i for i in range(2)}
    data[f"teams-{team_rows[second.pk]}-position"] = "0"
    data.update({"leads-TOTAL_FORMS": "2", "leads-1-person": sample[Person].pk})
    data["leads-1-title"] = "Vision lead"

    response = editor_client.post(url(Section, "change", section.pk), data)

    assert response.status_code == 302, errors_of(response)
    assert [team.name for team in section.teams.all()] == ["Vision", "Architecture research"]
    assert section.leads.get(person=sample[Person]).title == "Vision lead"


def test_person_form_lists_every_credit_with_its_project(editor_client, sample):
    response = editor_client.get(url(Person, "change", sample["raul"].pk))

    html = response.content.decode()
    assert "Overall lead" in html
    assert "GPT-4V" in html
    assert response.context["inline_admin_formsets"][1].formset.total_form_count() == 1


def test_reorder_sections_in_the_list(editor_client, form_data, sample):
    section = sample[Section]
    other = Section.objects.create(project=section.project, title="Deployment", position=2)
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": section.pk,
        "form-0-position": "5",
        "form-1-id": other.pk,
        "form-1-position": "1",
        "_save": "Save",
    }

    response = editor_client.post(url(Section, "changelist"), data)

    assert response.status_code == 302
    assert [s.title for s in section.project.sections.all()] == [
        "Deployment",
        "Research contributions",
    ]


# Form errors: a 200 with the message, nothing written.


def role_form(client, form_data, **fields):
    return add_form(client, form_data, Role, **{"section": "", "team": "", "title": "", **fields})


def test_role_in_both_a_section_and_a_team_is_refused(editor_client, form_data, sample):
    response = role_form(
        editor_client,
        form_data,
        person=sample["raul"].pk,
        section=sample[Section].pk,
        team=sample[Team].pk,
        title="Lead",
    )

    assert "Choose either a section (for a lead line) or a team, not both." in errors_of(response)
    assert Role.objects.count() == 2


def test_role_in_neither_a_section_nor_a_team_is_refused(editor_client, form_data, sample):
    response = role_form(editor_client, form_data, person=sample["raul"].pk, title="Lead")

    assert "Choose either a section (for a lead line) or a team, not both." in errors_of(response)
    assert Role.objects.count() == 2


def test_lead_line_without_title_is_refused(editor_client, form_data, sample):
    response = role_form(
        editor_client, form_data, person=sample[Person].pk, section=sample[Section].pk
    )

    assert errors_of(response) == "A lead line under a section needs a title."
    assert Role.objects.count() == 2


def test_duplicate_team_role_is_refused(editor_client, form_data, sample):
    response = role_form(editor_client, form_data, person=sample[Person].pk, team=sample[Team].pk)

    assert errors_of(response) == "This person already has this credit in this team."
    assert Role.objects.count() == 2


def test_duplicate_lead_line_is_refused(editor_client, form_data, sample):
    response = role_form(
        editor_client,
        form_data,
        person=sample["raul"].pk,
        section=sample[Section].pk,
        title="Overall lead",
    )

    assert errors_of(response) == "This person already has this lead line in this section."
    assert Role.objects.count() == 2


def test_duplicate_member_in_the_team_form_is_refused(editor_client, form_data, sample):
    team = sample[Team]
    data = form_data(editor_client.get(url(Team, "change", team.pk)))
    data.update({"roles-TOTAL_FORMS": "2", "roles-1-person": sample[Person].pk})

    response = editor_client.post(url(Team, "change", team.pk), data)

    assert "This person already has this credit in this team." in errors_of(response)
    assert team.roles.count() == 1


def test_same_member_twice_in_one_team_form_is_refused(editor_client, form_data, sample):
    team = sample[Team]
    data = form_data(editor_client.get(url(Team, "change", team.pk)))
    data.update(
        {"roles-TOTAL_FORMS": "3", "roles-1-person": sample["raul"].pk}
        | {"roles-2-person": sample["raul"].pk}
    )

    response = editor_client.post(url(Team, "change", team.pk), data)

    errors = errors_of(response)
    assert "Please remove the credits listed twice." in errors
    assert "This credit is listed twice." in response.content.decode()
    assert team.roles.count() == 1


def test_duplicate_lead_line_in_the_section_form_is_refused(editor_client, form_data, sample):
    section = sample[Section]
    data = form_data(editor_client.get(url(Section, "change", section.pk)))
    data.update({"leads-TOTAL_FORMS": "2", "leads-1-person": sample["raul"].pk})
    data["leads-1-title"] = "Overall lead"

    response = editor_client.post(url(Section, "change", section.pk), data)

    assert "This person already has this lead line in this section." in errors_of(response)
    assert section.leads.count() == 1


def test_lead_line_without_title_in_the_section_form_is_refused(editor_client, form_data, sample):
    section = sample[Section]
    data = form_data(editor_client.get(url(Section, "change", section.pk)))
    data.update({"leads-TOTAL_FORMS": "2", "leads-1-person": sample[Person].pk})

    response = editor_client.post(url(Section, "change", section.pk), data)

    assert response.status_code == 200
    lead_forms = response.context["inline_admin_formsets"][0].formset.forms
    assert lead_forms[1].errors == {"title": ["This field is required."]}
    assert section.leads.count() == 1


def test_duplicate_credit_in_the_person_form_is_refused(editor_client, form_data, sample):
    david = sample[Person]
    data = form_data(editor_client.get(url(Person, "change", david.pk)))
    data.update({"roles-TOTAL_FORMS": "2", "roles-1-team": sample[Team].pk})

    response = editor_client.post(url(Person, "change", david.pk), data)

    assert "This person already has this credit in this team." in errors_of(response)
    assert david.roles.count() == 1


def test_credit_in_both_places_in_the_person_form_is_refused(editor_client, form_data, sample):
    david = sample[Person]
    data = form_data(editor_client.get(url(Person, "change", david.pk)))
    data.update({"roles-TOTAL_FORMS": "2", "roles-1-team": sample[Team].pk})
    data.update({"roles-1-section": sample[Section].pk, "roles-1-title": "Lead"})

    response = editor_client.post(url(Person, "change", david.pk), data)

    assert "Choose either a section (for a lead line) or a team, not both." in errors_of(response)
    assert david.roles.count() == 1


@pytest.mark.parametrize("name", ["Architecture research", "ARCHITECTURE Research"])
def test_duplicate_team_name_is_refused(editor_client, form_data, sample, name):
    response = add_form(editor_client, form_data, Team, section=sample[Section].pk, name=name)

    assert errors_of(response) == "A team with this name already exists in this section."
    assert Team.objects.count() == 1


def test_second_unheaded_group_is_refused(editor_client, form_data, sample):
    Team.objects.create(section=sample[Section], name="")

    response = add_form(editor_client, form_data, Team, section=sample[Section].pk, name="")

    assert errors_of(response) == "A team with this name already exists in this section."
    assert Team.objects.count() == 2


@pytest.mark.parametrize("name", ["Architecture research", "architecture RESEARCH"])
def test_duplicate_team_name_in_the_section_form_is_refused(editor_client, form_data, sample, name):
    section = sample[Section]
    data = form_data(editor_client.get(url(Section, "change", section.pk)))
    data.update({"teams-TOTAL_FORMS": "2", "teams-1-name": name})
    data["teams-1-position"] = "2"

    response = editor_client.post(url(Section, "change", section.pk), data)

    assert "A team with this name already exists in this section." in errors_of(response)
    assert section.teams.count() == 1


@pytest.mark.parametrize("view", ["add", "change"])
def test_two_new_teams_differing_only_in_case_in_one_form_are_refused(
    editor_client, form_data, sample, view
):
    section = sample[Section]
    address = url(Section, "change", section.pk) if view == "change" else url(Section, "add")
    data = form_data(editor_client.get(address))
    if view == "add":
        data.update({"project": sample[Project].pk, "title": "Deployment"})
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


@pytest.mark.parametrize("title", ["Research contributions", "research Contributions"])
def test_duplicate_section_title_is_refused(editor_client, form_data, sample, title):
    response = add_form(editor_client, form_data, Section, project=sample[Project].pk, title=title)

    assert errors_of(response) == "A section with this title already exists in this project."
    assert Section.objects.count() == 1


def test_duplicate_section_title_in_the_project_form_is_refused(editor_client, form_data, sample):
    project = sample[Project]
    data = form_data(editor_client.get(url(Project, "change", project.pk)))
    data.update({"sections-TOTAL_FORMS": "2", "sections-1-title": "RESEARCH contributions"})
    data["sections-1-position"] = "2"

    response = editor_client.post(url(Project, "change", project.pk), data)

    assert "A section with this title already exists in this project." in errors_of(response)
    assert project.sections.count() == 1


def test_same_section_title_twice_in_the_project_form_is_refused(editor_client, form_data, sample):
    project = sample[Project]
    data = form_data(editor_client.get(url(Project, "change", project.pk)))
    data.update({"sections-TOTAL_FORMS": "3", "sections-1-title": "Deployment"})
    data.update({"sections-2-title": "deployment", "sections-1-position": "2"})
    data["sections-2-position"] = "3"

    response = editor_client.post(url(Project, "change", project.pk), data)

    assert "Please correct the names listed twice." in errors_of(response)
    assert "“deployment” repeats “Deployment”" in response.content.decode()
    assert project.sections.count() == 1


def test_duplicate_alias_in_the_person_form_is_refused(editor_client, form_data, sample):
    david = sample[Person]
    data = form_data(editor_client.get(url(Person, "change", david.pk)))
    data.update({"aliases-TOTAL_FORMS": "2", "aliases-1-name": "DAVID mely"})

    response = editor_client.post(url(Person, "change", david.pk), data)

    assert "This person already has this other spelling." in errors_of(response)
    assert david.aliases.count() == 1


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ("Dave Mely", "“Dave Mely” is listed twice."),
        (
            "dave mely",
            "“dave mely” repeats “Dave Mely”: names that differ only in case are the same.",
        ),
    ],
)
def test_same_new_alias_twice_in_the_person_form_is_refused(
    editor_client, form_data, sample, second, message
):
    david = sample[Person]
    data = form_data(editor_client.get(url(Person, "change", david.pk)))
    data.update({"aliases-TOTAL_FORMS": "3", "aliases-1-name": "Dave Mely"})
    data["aliases-2-name"] = second

    response = editor_client.post(url(Person, "change", david.pk), data)

    assert "Please correct the names listed twice." in errors_of(response)
    assert message in response.content.decode()
    assert david.aliases.count() == 1


def test_duplicate_alias_in_the_alias_form_is_refused(editor_client, form_data, sample):
    response = add_form(
        editor_client, form_data, Alias, person=sample[Person].pk, name="david MELY"
    )

    assert errors_of(response) == "This person already has this other spelling."
    assert Alias.objects.count() == 1


@pytest.mark.parametrize(
    ("model", "field"),
    [(Person, "name"), (Project, "title"), (Section, "title"), (Alias, "name")],
    ids=lambda value: value.__name__ if isinstance(value, type) else value,
)
def test_blank_name_is_refused(editor_client, form_data, sample, model, field):
    before = model.objects.count()

    response = add_form(
        editor_client,
        form_data,
        model,
        **{
            field: "   ",
            "slug": "blank",
            "project": sample[Project].pk,
            "person": sample[Person].pk,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == ["This field is required."]
    assert model.objects.count() == before


def test_distinct_pair_of_one_person_is_refused(editor_client, form_data, sample):
    david = sample[Person].pk

    response = add_form(editor_client, form_data, DistinctPair, first=david, second=david)

    assert errors_of(response) == "Choose two different people."
    assert DistinctPair.objects.count() == 1


def test_bad_project_filter_value_is_not_an_error_page(editor_client, sample):
    response = editor_client.get(url(Role, "changelist"), {"project": "nope"})

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_roles_filtered_by_project_include_leads_and_members(editor_client, sample):
    other = Project.objects.create(title="DALL·E 3", slug="dall-e-3")
    section = Section.objects.create(project=other, title="Research")
    Role.objects.create(person=sample[Person], section=section, title="Lead")

    response = editor_client.get(url(Role, "changelist"), {"project": sample[Project].pk})

    roles = response.context["cl"].result_list
    assert sorted(str(role) for role in roles) == [
        "David Mélý (Architecture research)",
        "Raul Puri (Research contributions: Overall lead)",
    ]
    assert ">DALL·E 3</a>" in response.content.decode()


@pytest.fixture
def filterable(sample):
    """Besides the sample: a second credit for David, someone credited only elsewhere, and
    someone without credits who has a sort name and an ORCID iD."""
    other = Project.objects.create(title="DALL·E 3", slug="dall-e-3")
    elsewhere = Section.objects.create(project=other, title="Research")
    Role.objects.create(person=sample[Person], section=sample[Section], title="Research lead")
    aditya = Person.objects.create(name="Aditya Ramesh", slug="aditya-ramesh")
    Role.objects.create(person=aditya, section=elsewhere, title="Lead")
    Person.objects.create(
        name="Ada Lovelace",
        slug="ada-lovelace",
        sort_name="Lovelace, Ada",
        orcid="0000-0002-1825-0097",
    )
    return {"other": other, "elsewhere": elsewhere}


def listed(client, model, **params):
    response = client.get(url(model, "changelist"), params)
    assert response.status_code == 200
    return response


def people_listed(client, **params):
    response = listed(client, Person, **params)
    return [(p.name, p.credit_count) for p in response.context["cl"].result_list]


def test_people_list_offers_filters(editor_client, filterable):
    response = listed(editor_client, Person)

    text = " ".join(response.content.decode().split())
    for title in [
        "credited in project",
        "has credits",
        "has other spellings",
        "has a sort name",
        "has an ORCID iD",
    ]:
        assert f"By {title}" in text
    assert ">DALL·E 3</a>" in text


def test_people_credited_in_a_project_are_listed_once_with_all_their_credits(
    editor_client, sample, filterable
):
    in_gpt4v = people_listed(editor_client, project=sample[Project].pk)
    in_dalle = people_listed(editor_client, project=filterable["other"].pk)

    assert in_gpt4v == [("David Mélý", 2), ("Raul Puri", 1)]
    assert in_dalle == [("Aditya Ramesh", 1)]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"has_credits": "no"}, ["Ada Lovelace"]),
        ({"has_credits": "yes"}, ["David Mélý", "Raul Puri", "Aditya Ramesh"]),
        ({"has_aliases": "yes"}, ["David Mélý"]),
        ({"has_aliases": "no"}, ["Ada Lovelace", "Raul Puri", "Aditya Ramesh"]),
        ({"has_sort_name": "yes"}, ["Ada Lovelace"]),
        ({"has_orcid": "yes"}, ["Ada Lovelace"]),
        ({"has_orcid": "no", "has_credits": "yes"}, ["David Mélý", "Raul Puri", "Aditya Ramesh"]),
    ],
)
def test_people_filters(editor_client, filterable, params, names):
    listed_names = [name for name, _count in people_listed(editor_client, **params)]

    assert listed_names == sorted(names, key=sort_key)


def roles_listed(client, **params):
    response = listed(client, Role, **params)
    return sorted(str(role) for role in response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("params", "roles"),
    [
        (
            {"kind": "lead"},
            [
                "Aditya Ramesh (Research: Lead)",
                "David Mélý (Research contributions: Research lead)",
                "Raul Puri (Research contributions: Overall lead)",
            ],
        ),
        ({"kind": "member"}, ["David Mélý (Architecture research)"]),
        ({"has_title": "no"}, ["David Mélý (Architecture research)"]),
        ({"has_title": "yes", "kind": "member"}, []),
    ],
)
def test_roles_filtered_by_kind_and_title(editor_client, filterable, params, roles):
    assert roles_listed(editor_client, **params) == roles


def test_roles_section_filter_appears_with_a_project_and_lists_its_sections(
    editor_client, sample, filterable
):
    section = sample[Section]
    deployment = Section.objects.create(project=sample[Project], title="Deployment", position=2)

    unfiltered = listed(editor_client, Role)
    in_project = listed(editor_client, Role, project=sample[Project].pk)
    in_section = roles_listed(editor_client, project=sample[Project].pk, section=section.pk)
    bookmarked = roles_listed(editor_client, section=filterable["elsewhere"].pk)

    assert "By section" not in unfiltered.content.decode()
    filters = {spec.title: spec for spec in in_project.context["cl"].filter_specs}
    assert filters["section"].lookup_choices == [
        (section.pk, "Research contributions"),
        (deployment.pk, "Deployment"),
    ]
    assert in_section == [
        "David Mélý (Architecture research)",
        "David Mélý (Research contributions: Research lead)",
        "Raul Puri (Research contributions: Overall lead)",
    ]
    assert bookmarked == ["Aditya Ramesh (Research: Lead)"]


@pytest.mark.parametrize(
    ("model", "params"),
    [
        (Person, {"has_orcid": "maybe"}),
        (Person, {"project": "x"}),
        (Role, {"kind": "boss"}),
        (Role, {"project": "", "section": "x"}),
    ],
)
def test_bad_filter_values_are_not_an_error_page(editor_client, sample, model, params):
    if params.get("project") == "":
        params = {**params, "project": sample[Project].pk}

    response = editor_client.get(url(model, "changelist"), params)

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


# Deleting what still carries credits


def test_deleting_a_person_with_credits_is_refused(editor_client, sample):
    david = sample[Person]

    page = editor_client.get(url(Person, "delete", david.pk))
    post = editor_client.post(url(Person, "delete", david.pk), {"post": "yes"})

    for response in [page, post]:
        assert response.status_code == 200
        html = response.content.decode()
        assert "would require deleting the following protected related objects" in html
        assert "David Mélý (Architecture research)" in html
    assert Person.objects.filter(pk=david.pk).exists()


def test_deleting_a_team_with_members_in_bulk_is_refused(editor_client, sample):
    team = sample[Team]
    action = {"action": "delete_selected", "_selected_action": [team.pk]}

    page = editor_client.post(url(Team, "changelist"), action)
    confirm = editor_client.post(url(Team, "changelist"), {**action, "post": "yes"})

    for response in [page, confirm]:
        assert response.status_code == 200
        html = response.content.decode()
        assert "would require deleting the following protected related objects" in html
    assert Team.objects.filter(pk=team.pk).exists()


def test_deleting_people_in_bulk_is_refused_while_they_have_credits(editor_client, sample):
    action = {"action": "delete_selected", "_selected_action": [sample[Person].pk]}

    response = editor_client.post(url(Person, "changelist"), {**action, "post": "yes"})

    assert response.status_code == 200
    assert "protected related objects" in response.content.decode()
    assert Person.objects.count() == 2


def test_deleting_a_person_without_credits_works(editor_client, sample):
    kim = Person.objects.create(name="Kim Lee", slug="kim-lee")

    response = editor_client.post(url(Person, "delete", kim.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Person.objects.filter(pk=kim.pk).exists()


# Publishing


def run_action(client, action, projects):
    return client.post(
        url(Project, "changelist"),
        {"action": action, "_selected_action": [project.pk for project in projects]},
        follow=True,
    )


def test_publish_action_publishes_and_logs(editor_client, editor, sample):
    project = sample[Project]

    response = run_action(editor_client, "publish", [project])

    project.refresh_from_db()
    assert project.is_published
    assert project.published_at is not None
    assert "Published 1 project(s)." in response.content.decode()
    entry = LogEntry.objects.get(object_id=str(project.pk))
    assert (entry.user, entry.get_change_message()) == (editor, "Published.")
    latest = project.history.first()
    assert (latest.history_user, latest.history_change_reason) == (editor, "Published")


def test_republishing_keeps_the_first_publication_date(editor_client, sample):
    project = sample[Project]
    run_action(editor_client, "publish", [project])
    first = Project.objects.get().published_at

    run_action(editor_client, "unpublish", [project])
    draft = Project.objects.get()
    run_action(editor_client, "publish", [project])

    assert (draft.is_published, draft.published_at) == (False, first)
    assert Project.objects.get().published_at == first
    assert Project.objects.get().is_published


def test_unpublish_action_makes_a_draft_and_logs(editor_client, editor, sample):
    project = sample[Project]
    run_action(editor_client, "publish", [project])

    response = run_action(editor_client, "unpublish", [project])

    assert not Project.objects.get().is_published
    assert "Unpublished 1 project(s)." in response.content.decode()
    messages = [entry.get_change_message() for entry in LogEntry.objects.order_by("id")]
    assert messages == ["Published.", "Unpublished."]


def test_publishing_a_published_project_changes_nothing(editor_client, sample):
    run_action(editor_client, "publish", [sample[Project]])

    response = run_action(editor_client, "publish", [sample[Project]])

    assert "The selected projects were already published." in response.content.decode()
    assert LogEntry.objects.count() == 1


def test_project_list_shows_and_filters_publication(editor_client, sample):
    Project.objects.create(title="Live", slug="live", is_published=True)

    drafts = editor_client.get(url(Project, "changelist"), {"is_published__exact": "0"})

    assert [p.title for p in drafts.context["cl"].result_list] == ["GPT-4V"]
    assert "Published at" in drafts.content.decode()


def test_publication_is_not_edited_in_the_project_form(editor_client, form_data, sample):
    project = sample[Project]
    data = form_data(editor_client.get(url(Project, "change", project.pk)))
    data["is_published"] = "on"

    response = editor_client.post(url(Project, "change", project.pk), data)

    assert response.status_code == 302
    assert not Project.objects.get().is_published


# View on site


@pytest.mark.parametrize(
    ("model", "path"), [(Project, "/credits/gpt-4v/"), (Person, "/people/david-mely/")]
)
def test_view_on_site_leads_to_the_public_page(editor_client, sample, model, path):
    change = editor_client.get(url(model, "change", sample[model].pk))
    link = change.context["original"]

    response = editor_client.get(
        reverse("admin:view_on_site", args=[change.context["content_type_id"], link.pk])
    )

    assert "View on site" in change.content.decode()
    assert response.status_code == 302
    assert response["Location"].endswith(path)


def test_view_on_site_shows_a_draft_project_to_the_editor(editor_client, sample):
    project = sample[Project]
    change = editor_client.get(url(Project, "change", project.pk))

    response = editor_client.get(
        reverse("admin:view_on_site", args=[change.context["content_type_id"], project.pk]),
        follow=True,
    )

    assert not project.is_published
    assert response.status_code == 200
    assert "GPT-4V" in response.content.decode()


# Who may enter


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_staff_outside_editors_is_forbidden(client, model):
    client.force_login(User.objects.create_user("visitor", is_staff=True))

    response = client.get(url(model, "changelist"))

    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(url(Person, "changelist"))

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/people/person/"


# Query counts

# Session, user, two for permissions, a list filter's choices or a prefetch, two
# counts and the page: 8 whatever the number of rows. The people list has both a
# filter's choices (projects) and a prefetch (other spellings).
QUERIES = 8
MORE_QUERIES = {Person: 9}


def build_rows(count, raul):
    """`count` rows of every model: projects with their sections, teams, people and credits."""
    for number in range(count):
        project = Project.objects.create(title=f"Project {number}", slug=f"project-{number}")
        Resource.objects.create(project=project, title="Paper", url="https://example.org/")
        section = Section.objects.create(project=project, title="Research")
        team = Team.objects.create(section=section, name="Pretraining")
        person = Person.objects.create(name=f"Person {number:03}", slug=f"person-{number}")
        Alias.objects.create(person=person, name=f"P. {number:03}")
        Role.objects.create(person=person, team=team)
        Role.objects.create(person=person, section=section, title="Lead")
        acknowledgment = Acknowledgment.objects.create(project=project, text="Thanks")
        Mention.objects.create(acknowledgment=acknowledgment, person=person)
        PersonRedirect.objects.create(old_slug=f"old-{number}", person=person)
        DistinctPair.objects.create(first=raul, second=person)


@pytest.mark.parametrize("rows", [5, 100])
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelist_queries_do_not_grow_with_rows(
    editor_client, sample, django_assert_max_num_queries, rows, model
):
    build_rows(rows, sample["raul"])

    with django_assert_max_num_queries(MORE_QUERIES.get(model, QUERIES)):
        response = editor_client.get(url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count > rows


@pytest.mark.parametrize("rows", [5, 100])
@pytest.mark.parametrize(
    ("model", "filters"),
    [
        (Person, {"has_credits": "yes", "has_aliases": "yes", "has_orcid": "no"}),
        (Role, {"section": "", "kind": "member", "has_title": "no"}),
    ],
    ids=["Person", "Role"],
)
def test_filtered_changelist_queries_do_not_grow_with_rows(
    editor_client, sample, django_assert_max_num_queries, rows, model, filters
):
    build_rows(rows, sample["raul"])
    project = Project.objects.get(title=f"Project {rows - 1}")
    filters = {**filters, "project": project.pk}
    if "section" in filters:
        # With a project chosen, the section filter lists its sections: one query more.
        filters["section"] = project.sections.get().pk

    with django_assert_max_num_queries(9):
        response = editor_client.get(url(model, "changelist"), filters)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


# Links


def edit_person(client, form_data, person, **fields):
    data = form_data(client.get(url(Person, "change", person.pk)))
    data.update(fields)
    return client.post(url(Person, "change", person.pk), data)


@pytest.mark.parametrize(
    ("orcid", "message"),
    [
        (
            "nonsense",
            "Enter the ORCID iD as four groups of four digits, e.g. 0000-0002-1825-0097 "
            "(the very last character may be X).",
        ),
        (
            "0000-0002-1825-0098",
            "“0000-0002-1825-0098” is not an ORCID iD: its last character does not match the "
            "others. Check it for a typo.",
        ),
    ],
)
def test_a_wrong_orcid_is_refused_with_a_message(editor_client, form_data, sample, orcid, message):
    david = sample[Person]

    response = edit_person(editor_client, form_data, david, orcid=orcid)

    assert response.context["adminform"].form.errors == {"orcid": [message]}
    david.refresh_from_db()
    assert david.orcid == ""


@pytest.mark.parametrize(
    "typed",
    [
        "0000-0002-1694-233X",
        " 0000-0002-1694-233x ",
        "https://orcid.org/0000-0002-1694-233X",
        "orcid.org/0000-0002-1694-233x",
    ],
)
def test_an_orcid_is_stored_as_the_bare_id(editor_client, form_data, sample, typed):
    david = sample[Person]

    response = edit_person(editor_client, form_data, david, orcid=typed)

    assert response.status_code == 302, errors_of(response)
    david.refresh_from_db()
    assert david.orcid == "0000-0002-1694-233X"


@pytest.mark.parametrize(
    ("homepage", "message"),
    [
        ("ftp://example.org/david", "Enter a web address starting with http:// or https://."),
        ("mailto:david@example.org", "Enter a valid URL."),
    ],
)
def test_a_homepage_other_than_a_web_address_is_refused(
    editor_client, form_data, sample, homepage, message
):
    david = sample[Person]

    response = edit_person(editor_client, form_data, david, homepage=homepage)

    assert response.context["adminform"].form.errors == {"homepage": [message]}


def test_a_homepage_typed_without_a_scheme_is_https(editor_client, form_data, sample):
    david = sample[Person]

    edit_person(editor_client, form_data, david, homepage="example.org/david")

    david.refresh_from_db()
    assert david.homepage == "https://example.org/david"


# Page addresses


def test_a_taken_page_address_is_refused_with_a_free_one_suggested(
    editor_client, form_data, sample
):
    # "david-mely" is David Mélý's address and "david-mely-2" an old one that leads to him.
    response = add_form(editor_client, form_data, Person, name="David Mely", slug="david-mely")

    assert response.context["adminform"].form.errors == {
        "slug": ["Another person, David Mélý, has the page address “david-mely”. Try david-mely-3."]
    }
    assert Person.objects.filter(name="David Mely").count() == 0


def test_an_old_address_of_a_merged_person_is_refused(editor_client, form_data, sample):
    response = add_form(editor_client, form_data, Person, name="David Mely", slug="david-mely-2")

    assert response.context["adminform"].form.errors == {
        "slug": [
            "“david-mely-2” is an old page address that now leads to David Mélý. Try david-mely-3."
        ]
    }


def test_the_suggested_address_can_be_used(editor_client, form_data, sample):
    response = add_form(editor_client, form_data, Person, name="David Mely", slug="david-mely-3")

    assert response.status_code == 302
    assert Person.objects.get(slug="david-mely-3").name == "David Mely"


def test_a_person_keeps_their_own_address_and_may_take_back_an_old_one(
    editor_client, form_data, sample
):
    david = sample[Person]

    unchanged = edit_person(editor_client, form_data, david)
    old = edit_person(editor_client, form_data, david, slug="david-mely-2")

    assert (unchanged.status_code, old.status_code) == (302, 302)
    david.refresh_from_db()
    assert david.slug == "david-mely-2"


# Names shared between people


@pytest.fixture
def madeline(db):
    madeline = Person.objects.create(name="Madeline Boyd", slug="madeline-boyd")
    Alias.objects.create(person=madeline, name="Madeleine Boyd")
    return madeline


def messages_after(client, response):
    """The messages shown on the page a saved admin form leads to."""
    assert response.status_code == 302, errors_of(response)
    page = client.get(response["Location"])
    return [str(message) for message in page.context["messages"]]


def merge_link(*people):
    ids = ",".join(str(person.pk) for person in people)
    return f'<a href="{url(Person, "changelist")}?id__in={ids}">merge them</a>'


def change_link(person):
    return f'<a href="{url(Person, "change", person.pk)}">{person.name}</a>'


def test_a_new_person_named_as_another_persons_other_spelling_is_saved_with_a_warning(
    editor_client, form_data, madeline
):
    response = add_form(
        editor_client, form_data, Person, name="Madeleine Boyd", slug="madeleine-boyd"
    )

    shown = messages_after(editor_client, response)
    madeleine = Person.objects.get(slug="madeleine-boyd")
    assert shown[-1] == (
        f"“Madeleine Boyd” is also another spelling of {change_link(madeline)} — "
        f"if they are the same person, {merge_link(madeline, madeleine)}."
    )
    merge_list = editor_client.get(
        f"{url(Person, 'changelist')}?id__in={madeline.pk},{madeleine.pk}"
    )
    assert set(merge_list.context["cl"].result_list) == {madeline, madeleine}


def test_an_other_spelling_that_is_another_persons_name_or_spelling_is_saved_with_a_warning(
    editor_client, form_data, sample, madeline
):
    david = sample[Person]
    kim = Person.objects.create(name="Kim Lee", slug="kim-lee")
    data = form_data(editor_client.get(url(Person, "change", david.pk)))
    data.update({"aliases-TOTAL_FORMS": "3", "aliases-1-name": "kim lee"})
    data["aliases-2-name"] = "Madeleine Boyd"

    response = editor_client.post(url(Person, "change", david.pk), data)

    shown = messages_after(editor_client, response)
    assert shown[1:] == [
        f"The other spelling “Madeleine Boyd” is also another spelling of {change_link(madeline)}"
        f" — if they are the same person, {merge_link(david, madeline)}.",
        f"The other spelling “kim lee” is also the name of {change_link(kim)} — "
        f"if they are the same person, {merge_link(david, kim)}.",
    ]
    assert david.aliases.count() == 3


def test_an_alias_added_on_its_own_is_saved_with_a_warning(editor_client, form_data, sample):
    kim = Person.objects.create(name="Kim Lee", slug="kim-lee")

    response = add_form(editor_client, form_data, Alias, person=kim.pk, name="David Mely")

    shown = messages_after(editor_client, response)
    assert shown[-1] == (
        f"The other spelling “David Mely” is also another spelling of {change_link(sample[Person])}"
        f" — if they are the same person, {merge_link(sample[Person], kim)}."
    )


def test_no_warning_for_people_recorded_as_different(editor_client, form_data, sample):
    # The sample records David Mélý and Raul Puri as different people.
    raul = sample["raul"]

    response = add_form(editor_client, form_data, Alias, person=raul.pk, name="David Mely")

    assert len(messages_after(editor_client, response)) == 1


def test_two_people_of_one_name_are_saved_with_a_warning(editor_client, form_data, sample):
    response = add_form(editor_client, form_data, Person, name="Raul Puri", slug="raul-puri-2")

    shown = messages_after(editor_client, response)
    raul = sample["raul"]
    other = Person.objects.get(slug="raul-puri-2")
    assert shown[-1] == (
        f"“Raul Puri” is also the name of another person, {change_link(raul)} — "
        f"if they are the same person, {merge_link(raul, other)}."
    )


def test_no_warning_for_a_name_of_ones_own(editor_client, form_data, sample):
    response = edit_person(editor_client, form_data, sample[Person], name="David Mely")

    assert len(messages_after(editor_client, response)) == 1


def test_shared_name_warnings_escape_names(editor_client, form_data, sample):
    Person.objects.create(name="<b>Kim</b>", slug="kim")

    response = add_form(editor_client, form_data, Person, name="<b>Kim</b>", slug="kim-2")

    page = editor_client.get(response["Location"]).content.decode()
    assert "“&lt;b&gt;Kim&lt;/b&gt;” is also the name of another person" in page
    assert "<b>Kim</b>" not in page
