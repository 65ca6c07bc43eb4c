"""Who may enter the admin, and what the Editors group may do there."""

import pytest
from django.contrib.auth.models import Group, User

from people.models import (
    Acknowledgment,
    Alias,
    Credit,
    DistinctPair,
    Mention,
    NotNamed,
    Person,
    PersonRedirect,
    Project,
    Resource,
    Section,
    Team,
)
from tests.admin_pages import url

pytestmark = pytest.mark.django_db

CURATED = [
    "project",
    "resource",
    "section",
    "team",
    "person",
    "alias",
    "credit",
    "acknowledgment",
    "mention",
    "personredirect",
    "distinctpair",
    "notnamed",
]


def test_editors_may_curate_import_export_undo_and_review_and_nothing_else():
    editors = Group.objects.get(name="Editors")

    permissions = set(editors.permissions.values_list("content_type__app_label", "codename"))

    assert permissions == {
        ("people", f"{action}_{model}")
        for model in CURATED
        for action in ["add", "change", "delete", "view"]
    } | {
        ("people", "import_credit"),
        ("people", "export_credit"),
        ("people", "import_person"),
        ("people", "export_person"),
        ("people", "view_changeset"),
        ("people", "undo_changeset"),
    } | {("people", f"{action}_review") for action in ["add", "change", "delete", "view"]}


def test_no_group_sees_private_email_addresses():
    holders = Group.objects.filter(permissions__codename="view_person_email")

    assert not holders.exists()


@pytest.mark.parametrize(
    "model",
    [
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
        NotNamed,
    ],
    ids=lambda model: model.__name__,
)
def test_staff_outside_editors_is_forbidden(client, model):
    client.force_login(User.objects.create_user("visitor", is_staff=True))

    response = client.get(url(model, "changelist"))

    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(url(Person, "changelist"))

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/people/person/"
