"""The admin as a whole: its index, every model's pages, their query counts, view on site."""

import pytest
from django.contrib import admin
from django.urls import reverse

from people.models import (
    Acknowledgment,
    Alias,
    ChangeSet,
    Credit,
    DistinctPair,
    Mention,
    NotNamed,
    Person,
    PersonRedirect,
    Project,
    Resource,
    Review,
    Section,
    Team,
)
from people.sorting import sort_key
from tests.admin_pages import errors_of, page_text, url

pytestmark = pytest.mark.django_db

MODELS = [
    Project,
    Resource,
    Section,
    Team,
    Person,
    Alias,
    Credit,
    Acknowledgment,
    Mention,
    PersonRedirect,
    DistinctPair,
]


def by_name(model):
    return model.__name__


def test_every_credits_model_is_registered():
    registered = [model for model in admin.site._registry if model._meta.app_label == "people"]

    expected = [*MODELS, ChangeSet, Review]
    expected.insert(expected.index(Alias) + 1, NotNamed)
    assert registered == expected


def test_site_header_and_index_grouped_in_working_order(editor_client):
    response = editor_client.get(reverse("admin:index"))

    html = response.content.decode()
    assert "Credits administration" in html
    groups = [app["name"] for app in response.context["app_list"]]
    assert groups[:3] == ["Credits pages", "People", "Changes"]
    credits_pages = [model["name"] for model in response.context["app_list"][0]["models"]]
    assert credits_pages == [
        "Projects",
        "Resources",
        "Sections",
        "Teams",
        "Credits",
        "Acknowledgments",
        "Mentions",
    ]
    assert html.index(">Projects<") < html.index(">Sections<") < html.index(">Teams<")


@pytest.mark.parametrize("model", MODELS, ids=by_name)
def test_editor_sees_list_add_and_change_pages(editor_client, one_of_each, model):
    obj = one_of_each[model]

    changelist = editor_client.get(url(model, "changelist"))
    add = editor_client.get(url(model, "add"))
    change = editor_client.get(url(model, "change", obj.pk))

    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1
    assert add.status_code == 200
    assert change.status_code == 200
    assert change.context["original"] == obj


@pytest.mark.parametrize("model", [Project, Person, Credit], ids=by_name)
def test_editor_sees_history_pages(editor_client, one_of_each, model):
    response = editor_client.get(url(model, "history", one_of_each[model].pk))

    assert response.status_code == 200
    assert b"Changed by" in response.content


@pytest.mark.parametrize(
    ("model", "fields", "check"),
    [
        (Resource, {"title": "Paper", "url": "https://example.org/p"}, {"title": "Paper"}),
        (Section, {"title": "Deployment", "position": 2}, {"title": "Deployment"}),
        (Team, {"name": "Pretraining", "position": 2}, {"name": "Pretraining"}),
        (Alias, {"name": "Dave Mely"}, {"name": "Dave Mely"}),
        (Credit, {"title": "Optimization lead"}, {"title": "Optimization lead"}),
        (Acknowledgment, {"text": "Thanks to Be My Eyes."}, {"text": "Thanks to Be My Eyes."}),
        (PersonRedirect, {"old_slug": "dm"}, {"old_slug": "dm"}),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "",
)
def test_add_form_saves(editor_client, submit_form, one_of_each, model, fields, check):
    links = {
        "project": one_of_each[Project].pk,
        "section": one_of_each[Section].pk,
        "person": one_of_each["raul"].pk,
    }
    if model is Credit:
        links["team"] = one_of_each[Team].pk
        del links["section"]

    response = submit_form(editor_client, url(model, "add"), links, **fields)

    assert response.status_code == 302, errors_of(response)
    assert model.objects.filter(**check).count() == 1


def test_add_lead_line_and_mention_and_distinct_pair(
    editor_client, submit_form, one_of_each, make_person
):
    kim = make_person("Kim Lee")

    lead = submit_form(
        editor_client,
        url(Credit, "add"),
        person=kim.pk,
        section=one_of_each[Section].pk,
        title="Lead",
    )
    mention = submit_form(
        editor_client,
        url(Mention, "add"),
        acknowledgment=one_of_each[Acknowledgment].pk,
        person=kim.pk,
    )
    pair = submit_form(
        editor_client, url(DistinctPair, "add"), first=kim.pk, second=one_of_each[Person].pk
    )

    assert [lead.status_code, mention.status_code, pair.status_code] == [302, 302, 302]
    assert Credit.objects.filter(person=kim, section=one_of_each[Section], title="Lead").exists()
    assert Mention.objects.filter(person=kim).exists()
    saved = DistinctPair.objects.get(decided_by__username="editor")
    assert (saved.first, saved.second) == (one_of_each[Person], kim)


@pytest.mark.parametrize(
    ("model", "field"),
    [(Person, "name"), (Project, "title"), (Section, "title"), (Alias, "name")],
    ids=lambda value: value.__name__ if isinstance(value, type) else value,
)
def test_blank_name_is_refused(editor_client, submit_form, one_of_each, model, field):
    before = model.objects.count()

    response = submit_form(
        editor_client,
        url(model, "add"),
        {
            field: "   ",
            "slug": "blank",
            "project": one_of_each[Project].pk,
            "person": one_of_each[Person].pk,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == ["This field is required."]
    assert model.objects.count() == before


# View on site


@pytest.mark.parametrize(
    ("model", "path"), [(Project, "/credits/gpt-4v/"), (Person, "/people/david-mely/")]
)
def test_view_on_site_leads_to_the_public_page(editor_client, one_of_each, model, path):
    change = editor_client.get(url(model, "change", one_of_each[model].pk))
    link = change.context["original"]

    response = editor_client.get(
        reverse("admin:view_on_site", args=[change.context["content_type_id"], link.pk])
    )

    assert "View on site" in change.content.decode()
    assert response.status_code == 302
    assert response["Location"].endswith(path)


def test_view_on_site_shows_a_draft_project_to_the_editor(editor_client, one_of_each):
    project = one_of_each[Project]
    change = editor_client.get(url(Project, "change", project.pk))

    response = editor_client.get(
        reverse("admin:view_on_site", args=[change.context["content_type_id"], project.pk]),
        follow=True,
    )

    assert not project.is_published
    assert response.status_code == 200
    assert "GPT-4V" in response.content.decode()


# Query counts

# Session, user, two for permissions, a list filter's choices or a prefetch, two
# counts and the page: 8 whatever the number of rows. The people list has both a
# filter's choices (projects) and a prefetch (other spellings).
QUERIES = 8
MORE_QUERIES = {Person: 9}


@pytest.fixture
def build_rows(db):
    """Make `count` rows of every model: projects with their sections, teams, people, credits.

    Written with one INSERT per model (no history rows): the changelists count rows, and
    a hundred of each saved one by one would make these the slowest tests of the suite.
    """

    def build(count, raul):
        numbers = range(count)
        projects = Project.objects.bulk_create(
            Project(title=f"Project {n}", slug=f"project-{n}") for n in numbers
        )
        Resource.objects.bulk_create(
            Resource(project=project, title="Paper", url="https://example.org/")
            for project in projects
        )
        sections = Section.objects.bulk_create(
            Section(project=project, title="Research") for project in projects
        )
        teams = Team.objects.bulk_create(
            Team(section=section, name="Pretraining") for section in sections
        )
        people = Person.objects.bulk_create(
            Person(
                name=f"Person {n:03}", slug=f"person-{n:03}", sort_key=sort_key(f"Person {n:03}")
            )
            for n in numbers
        )
        Alias.objects.bulk_create(
            Alias(person=person, name=f"P. {n:03}") for n, person in enumerate(people)
        )
        Credit.objects.bulk_create(
            credit
            for person, section, team in zip(people, sections, teams, strict=True)
            for credit in (
                Credit(person=person, team=team),
                Credit(person=person, section=section, title="Lead"),
            )
        )
        acknowledgments = Acknowledgment.objects.bulk_create(
            Acknowledgment(project=project, text="Thanks") for project in projects
        )
        Mention.objects.bulk_create(
            Mention(acknowledgment=acknowledgment, person=person)
            for acknowledgment, person in zip(acknowledgments, people, strict=True)
        )
        PersonRedirect.objects.bulk_create(
            PersonRedirect(old_slug=f"old-{n}", person=person) for n, person in enumerate(people)
        )
        DistinctPair.objects.bulk_create(
            DistinctPair(first=raul, second=person) for person in people
        )

    return build


@pytest.mark.parametrize("rows", [5, 100])
@pytest.mark.parametrize("model", MODELS, ids=by_name)
def test_changelist_queries_do_not_grow_with_rows(
    editor_client, one_of_each, build_rows, django_assert_max_num_queries, rows, model
):
    build_rows(rows, one_of_each["raul"])

    with django_assert_max_num_queries(MORE_QUERIES.get(model, QUERIES)):
        response = editor_client.get(url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count > rows


@pytest.mark.parametrize("rows", [5, 100])
@pytest.mark.parametrize(
    ("model", "filters"),
    [
        (Person, {"has_credits": "yes", "has_aliases": "yes", "has_orcid": "no"}),
        (Credit, {"section": "", "kind": "member", "has_title": "no"}),
    ],
    ids=["Person", "Credit"],
)
def test_filtered_changelist_queries_do_not_grow_with_rows(
    editor_client, one_of_each, build_rows, django_assert_max_num_queries, rows, model, filters
):
    build_rows(rows, one_of_each["raul"])
    project = Project.objects.get(title=f"Project {rows - 1}")
    filters = {**filters, "project": project.pk}
    if "section" in filters:
        # With a project chosen, the section filter lists its sections: one query more.
        filters["section"] = project.sections.get().pk

    with django_assert_max_num_queries(9):
        response = editor_client.get(url(model, "changelist"), filters)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


# Help texts, which the admin shows as HTML


@pytest.mark.parametrize(
    ("model", "address"),
    [(Project, "/credits/gpt-4v/"), (Person, "/people/ada-lovelace/")],
    ids=["Project", "Person"],
)
def test_the_slug_help_text_shows_an_address(editor_client, model, address):
    response = editor_client.get(url(model, "add"))

    help_text = response.context["adminform"].form["slug"].help_text
    assert f"gives {address}" in page_text(response)
    assert "//." not in page_text(response)
    assert "<" not in help_text


@pytest.mark.parametrize("model", MODELS, ids=by_name)
def test_no_help_text_holds_what_html_would_eat(model):
    # The admin renders help texts as HTML: "<slug>" would show as nothing.
    help_texts = [field.help_text for field in model._meta.get_fields() if field.concrete]

    assert [text for text in help_texts if "<" in text or "&" in text] == []
