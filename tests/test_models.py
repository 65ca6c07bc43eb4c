import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from people.models import Alias, Resource, Section, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def section(make_project, make_section):
    return make_section(make_project("GPT-4V", "gpt-4v"), "Research")


@pytest.fixture
def boyd(make_person):
    return make_person("Madeline Boyd")


# Names that differ only in case are one name: the page's anchors and the
# spreadsheet import (which matches titles ignoring case) both depend on it.


def test_team_names_differing_only_in_case_are_refused_by_the_database(section):
    Team.objects.create(section=section, name="Data")

    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(section=section, name="data")

    assert list(section.teams.values_list("name", flat=True)) == ["Data"]


def test_team_names_differing_only_in_case_fail_validation_with_a_message(section):
    Team.objects.create(section=section, name="Data")

    with pytest.raises(ValidationError) as error:
        Team(section=section, name="DATA").full_clean()

    assert error.value.messages == ["A team with this name already exists in this section."]


def test_the_same_team_name_in_another_section_is_allowed(section, make_section):
    other = make_section(section.project, "Deployment")
    Team.objects.create(section=section, name="Data")

    Team(section=other, name="data").full_clean()
    Team.objects.create(section=other, name="data")

    assert Team.objects.filter(name__iexact="data").count() == 2


def test_section_titles_differing_only_in_case_are_refused(section, make_project, make_section):
    with pytest.raises(ValidationError) as error:
        Section(project=section.project, title="RESEARCH").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Section.objects.create(project=section.project, title="research")

    assert error.value.messages == ["A section with this title already exists in this project."]
    make_section(make_project("GPT-5", "gpt-5"), "research")


def test_other_spellings_differing_only_in_case_are_refused(boyd, make_person):
    Alias.objects.create(person=boyd, name="Madelaine Boyd")

    with pytest.raises(ValidationError) as error:
        Alias(person=boyd, name="madelaine boyd").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Alias.objects.create(person=boyd, name="MADELAINE BOYD")

    assert error.value.messages == ["This person already has this other spelling."]
    other = make_person("Madelaine Boyd")
    Alias.objects.create(person=other, name="madelaine boyd")


# Links


@pytest.mark.parametrize(
    "orcid", ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X", ""]
)
def test_a_valid_orcid_passes(boyd, orcid):
    boyd.orcid = orcid

    boyd.full_clean()


@pytest.mark.parametrize(
    ("orcid", "message"),
    [
        ("nonsense", "Enter the ORCID iD as four groups of four digits"),
        ("0000000218250097", "Enter the ORCID iD as four groups of four digits"),
        ("0000-0002-1825-009", "Enter the ORCID iD as four groups of four digits"),
        ("X000-0002-1825-0097", "Enter the ORCID iD as four groups of four digits"),
        ("0000-0002-1825-0098", "“0000-0002-1825-0098” is not an ORCID iD: its last character"),
        ("0000-0002-1694-2339", "“0000-0002-1694-2339” is not an ORCID iD: its last character"),
    ],
)
def test_an_orcid_with_a_bad_form_or_check_digit_is_refused(boyd, orcid, message):
    boyd.orcid = orcid

    with pytest.raises(ValidationError) as error:
        boyd.full_clean()

    assert list(error.value.message_dict) == ["orcid"]
    assert error.value.message_dict["orcid"][0].startswith(message)


def test_a_homepage_must_be_a_web_address(boyd):
    boyd.homepage = "ftp://example.org/ada"

    with pytest.raises(ValidationError) as error:
        boyd.full_clean()

    assert error.value.message_dict == {
        "homepage": ["Enter a web address starting with http:// or https://."]
    }


def test_a_resource_link_must_be_a_web_address(section):
    resource = Resource(project=section.project, title="Paper", url="ftp://example.org/paper.pdf")

    with pytest.raises(ValidationError) as error:
        resource.full_clean()

    assert error.value.message_dict == {
        "url": ["Enter a web address starting with http:// or https://."]
    }


def test_a_credit_names_its_place(section, boyd, make_team, make_credit):
    data = make_team(section, "Data")
    unheaded = make_team(section)

    labels = [
        str(make_credit(boyd, section=section, title="Data lead")),
        str(make_credit(boyd, team=data)),
        str(make_credit(boyd, team=unheaded)),
    ]

    assert labels == [
        "Madeline Boyd (Research: Data lead)",
        "Madeline Boyd (Data)",
        "Madeline Boyd (no heading)",
    ]
