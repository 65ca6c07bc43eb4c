"""The list filters of the people and roles lists."""

import pytest

from people.models import Credit, Person, Project, Section
from people.sorting import sort_key
from tests.admin_pages import url

pytestmark = pytest.mark.django_db


@pytest.fixture
def filterable(one_of_each, make_project, make_section, make_person, make_credit):
    """Besides one_of_each: a second credit for David, someone credited only elsewhere, and
    someone without credits who has a sort name and an ORCID iD."""
    other = make_project("DALL·E 3", "dall-e-3", is_published=False)
    elsewhere = make_section(other, "Research")
    make_credit(one_of_each[Person], section=one_of_each[Section], title="Research lead")
    make_credit("Aditya Ramesh", section=elsewhere, title="Lead")
    make_person("Ada Lovelace", sort_name="Lovelace, Ada", orcid="0000-0002-1825-0097")
    return {"other": other, "elsewhere": elsewhere}


def listed(client, model, **params):
    response = client.get(url(model, "changelist"), params)
    assert response.status_code == 200
    return response


def people_listed(client, **params):
    response = listed(client, Person, **params)
    return [(p.name, p.credit_count) for p in response.context["cl"].result_list]


def roles_listed(client, **params):
    response = listed(client, Credit, **params)
    return sorted(str(role) for role in response.context["cl"].result_list)


def test_roles_filtered_by_project_include_leads_and_members(
    editor_client, one_of_each, make_project, make_section, make_credit
):
    other = make_project("DALL·E 3", "dall-e-3", is_published=False)
    make_credit(one_of_each[Person], section=make_section(other, "Research"), title="Lead")

    response = editor_client.get(url(Credit, "changelist"), {"project": one_of_each[Project].pk})

    roles = response.context["cl"].result_list
    assert sorted(str(role) for role in roles) == [
        "David Mélý (Architecture research)",
        "Raul Puri (Research contributions: Overall lead)",
    ]
    assert ">DALL·E 3</a>" in response.content.decode()


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
    editor_client, one_of_each, filterable
):
    in_gpt4v = people_listed(editor_client, project=one_of_each[Project].pk)
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
    editor_client, one_of_each, filterable, make_section
):
    section = one_of_each[Section]
    deployment = make_section(one_of_each[Project], "Deployment", position=2)

    unfiltered = listed(editor_client, Credit)
    in_project = listed(editor_client, Credit, project=one_of_each[Project].pk)
    in_section = roles_listed(editor_client, project=one_of_each[Project].pk, section=section.pk)
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


def test_bad_project_filter_value_is_not_an_error_page(editor_client, one_of_each):
    response = editor_client.get(url(Credit, "changelist"), {"project": "nope"})

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    ("model", "params"),
    [
        (Person, {"has_orcid": "maybe"}),
        (Person, {"project": "x"}),
        (Credit, {"kind": "boss"}),
        (Credit, {"project": "", "section": "x"}),
    ],
)
def test_bad_filter_values_are_not_an_error_page(editor_client, one_of_each, model, params):
    if params.get("project") == "":
        params = {**params, "project": one_of_each[Project].pk}

    response = editor_client.get(url(model, "changelist"), params)

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
