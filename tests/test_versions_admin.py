"""Versions in the admin: publishing after reviewing the changes, the versions of a project,
comparing two of them, and restoring the draft from one."""

import time

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection

from people.models import Credit, Project, Team
from people.versions import publish
from tests.admin_pages import page_text, url
from tests.html_tree import parse
from tests.spreadsheets import locked_elsewhere

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(make_project, make_section, make_team, make_credit):
    """Version 1 (Ada, Grace), version 2 (Alan added), and a draft where Grace is gone."""
    project = make_project(title="Vision credits", slug="vision")
    data = make_team(make_section(project, "Research"), "Data")
    make_credit("Ada Lovelace", team=data)
    make_credit("Grace Hopper", team=data)
    publish(project)
    make_credit("Alan Turing", team=data)
    publish(project)
    Credit.objects.filter(person__name="Grace Hopper").delete()
    return project


def publish_screen(client, project):
    return client.get(url(Project, "publish", project.pk))


def confirm(client, screen, **fields):
    """Send the publish screen's form as shown, with `fields` changed."""
    data = {"action": "publish", "confirm": "Publish", "_selected_action": []}
    for form in screen.context["forms"]:
        data["_selected_action"].append(form.preview.project.pk)
        data[f"{form.prefix}-base"] = form.preview.base
        data[f"{form.prefix}-fingerprint"] = form.preview.fingerprint
        data[f"{form.prefix}-note"] = ""
    data.update(fields)
    return client.post(url(Project, "changelist"), data, follow=True)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_the_project_form_links_to_publishing_and_the_versions(editor_client, project):
    text = page_text(editor_client.get(url(Project, "change", project.pk)))

    assert f'<li><a href="/admin/people/project/{project.pk}/publish/">Publish…</a></li>' in text
    assert f'<li><a href="/admin/people/project/{project.pk}/versions/">Versions</a></li>' in text


def test_the_publish_screen_shows_the_changes_first(editor_client, project):
    screen = publish_screen(editor_client, project)

    fieldset = parse(screen.text).find("fieldset", "publish-project")
    assert fieldset.find("p", "publish-status").text() == (
        "You are about to publish version 3: 1 person removed."
    )
    assert [li.text() for li in fieldset.find("ul", "version-changes").find_all("li")] == [
        "Grace Hopper removed (was in Research › Data)"
    ]
    assert fieldset.find("textarea").attrs["maxlength"] == "2000"


def test_publishing_with_a_note(editor_client, editor, project):
    screen = publish_screen(editor_client, project)

    response = confirm(
        editor_client, screen, **{f"project-{project.pk}-note": "  Removed a duplicate.  "}
    )

    assert messages_of(response) == ["Published “Vision credits” as version 3."]
    version = project.versions.get(number=3)
    assert (version.note, version.published_by) == ("Removed a duplicate.", editor)
    assert "Grace Hopper" not in editor_client.get("/credits/vision/v/3/").text


def test_a_note_of_ten_thousand_characters_is_a_form_error(editor_client, project):
    screen = publish_screen(editor_client, project)

    response = confirm(editor_client, screen, **{f"project-{project.pk}-note": "x" * 10_000})

    assert messages_of(response) == ["Nothing was published: see below."]
    assert "Keep the note under 2,000 characters (this one has 10,000)." in page_text(response)
    assert project.versions.count() == 2


def test_nothing_changed_makes_no_version(editor_client, project, make_credit):
    make_credit("Grace Hopper", team=Team.objects.get())

    screen = publish_screen(editor_client, project)

    assert "Nothing changed since version 2: publishing makes no version." in page_text(screen)
    assert 'name="confirm"' not in screen.text


def test_a_project_with_no_credits_has_nothing_to_publish(editor_client, make_project):
    empty = make_project(slug="empty", is_published=False)

    screen = publish_screen(editor_client, empty)

    assert "This project has no credits yet: there is nothing to publish." in page_text(screen)
    assert 'name="confirm"' not in screen.text


def test_a_draft_changed_since_the_review_is_not_published(editor_client, project, make_credit):
    screen = publish_screen(editor_client, project)
    make_credit("Barbara Liskov", team=Team.objects.get())

    response = confirm(editor_client, screen)

    assert messages_of(response) == [
        "“Vision credits”: The draft changed since you reviewed it, so nothing was published. "
        "Review the changes again, then publish."
    ]
    assert project.versions.count() == 2


def test_a_version_published_by_someone_else_meanwhile_is_named(editor_client, project):
    screen = publish_screen(editor_client, project)
    other = User.objects.create_user("other", is_staff=True)
    third = publish(project, user=other).version

    response = confirm(editor_client, screen)

    [message] = messages_of(response)
    assert message.startswith("“Vision credits”: Already published as version 3 (")
    assert message.endswith(
        " by other): nothing was published. Review the changes since that version, "
        "then publish again."
    )
    assert project.versions.count() == 3
    assert third.number == 3


def test_publishing_several_projects_at_once(editor_client, project, make_project, make_credit,
                                             make_section):  # fmt: skip
    other = make_project(title="Another", slug="another", is_published=False)
    make_credit("Ada Lovelace", section=make_section(other), title="Lead")
    screen = editor_client.post(
        url(Project, "changelist"),
        {"action": "publish", "_selected_action": [project.pk, other.pk]},
    )

    response = confirm(editor_client, screen)

    assert [form.preview.project for form in screen.context["forms"]] == [other, project]
    assert messages_of(response) == [
        "Published “Another” as version 1.",
        "Published “Vision credits” as version 3.",
    ]


def test_the_versions_of_a_project(editor_client, project):
    page = parse(editor_client.get(url(Project, "versions", project.pk)).text)

    rows = page.by_id("versions").find("tbody").find_all("tr")
    assert [row.find_all("td")[0].text() for row in rows] == ["2", "1"]
    assert rows[0].find_all("a")[0].attrs["href"] == "/credits/vision/v/2/"
    assert [a.text() for a in rows[1].find_all("a")] == [
        "1",
        "compare with the draft",
        "Restore the draft from version 1",
    ]


@pytest.mark.parametrize(
    ("query", "heading", "lines"),
    [
        (
            "?from=1&to=2",
            "From version 1 to version 2: 1 person added",
            ["Alan Turing added (Research › Data)"],
        ),
        (
            "?from=2&to=draft",
            "From version 2 to the draft: 1 person removed",
            ["Grace Hopper removed (was in Research › Data)"],
        ),
        (
            "?from=draft&to=1",
            "From the draft to version 1: 1 person added, 1 removed",
            [
                "Grace Hopper added (Research › Data)",
                "Alan Turing removed (was in Research › Data)",
            ],
        ),
    ],
)
def test_comparing_two_versions(editor_client, project, query, heading, lines):
    page = parse(editor_client.get(url(Project, "compare", project.pk) + query).text)

    assert [h2.text() for h2 in page.by_id("content-main").find_all("h2")] == [heading]
    assert [li.text() for li in page.find("ul", "version-changes").find_all("li")] == lines


def test_comparing_a_version_with_itself_asks_for_two(editor_client, project):
    response = editor_client.get(url(Project, "compare", project.pk) + "?from=2&to=2")

    assert messages_of(response) == ["Choose two different versions to compare."]
    assert parse(response.text).find_all("ul", "version-changes") == []


@pytest.mark.parametrize("query", ["?from=9&to=2", "?from=2&to=nine", "?from=-1&to=draft"])
def test_comparing_a_version_that_does_not_exist_is_not_found(editor_client, project, query):
    assert editor_client.get(url(Project, "compare", project.pk) + query).status_code == 404


def test_restoring_the_draft_from_a_version(editor_client, project):
    restore = url(Project, "restore", project.pk, 1)

    screen = editor_client.get(restore)
    response = editor_client.post(restore, follow=True)

    assert "What restoring changes in the draft: 1 person added, 1 removed" in page_text(screen)
    assert messages_of(response) == [
        "The draft is now version 1's content. Publishing it makes version 3."
    ]
    names = set(Credit.objects.values_list("person__name", flat=True))
    assert names == {"Ada Lovelace", "Grace Hopper"}
    assert project.versions.count() == 2


def test_restoring_a_version_that_does_not_exist_is_not_found(editor_client, project):
    assert editor_client.post(url(Project, "restore", project.pk, 7)).status_code == 404


def viewer(client):
    user = User.objects.create_user("viewer", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_project"))
    client.force_login(user)
    return client


def test_staff_who_may_only_view_projects_see_versions_but_cannot_publish_or_restore(
    client, project
):
    viewer(client)

    assert client.get(url(Project, "versions", project.pk)).status_code == 200
    assert client.get(url(Project, "compare", project.pk)).status_code == 200
    assert client.get(url(Project, "publish", project.pk)).status_code == 403
    assert client.post(url(Project, "restore", project.pk, 1)).status_code == 403
    assert project.versions.count() == 2


def test_a_project_once_published_cannot_be_deleted(admin_client, project):
    response = admin_client.post(url(Project, "delete", project.pk), {"post": "yes"})

    assert "<title>Cannot delete project | Credits administration</title>" in page_text(response)
    assert "Version: Vision credits, version 1" in page_text(response)
    assert Project.objects.filter(pk=project.pk).exists()


# Committed rows, so that the other connection sees the project it locks.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks for another connection"
)
def test_publishing_while_an_import_holds_the_project_says_so_and_waits_seconds_at_most(
    editor_client, project, settings
):
    settings.WEB_LOCK_WAIT_SECONDS = 1
    screen = publish_screen(editor_client, project)

    with locked_elsewhere(project):
        started = time.monotonic()
        response = confirm(editor_client, screen)
        unpublished = editor_client.post(
            url(Project, "changelist"),
            {"action": "unpublish", "_selected_action": [project.pk]},
            follow=True,
        )
        waited = time.monotonic() - started

    busy = "An import is running on this project; try again when it finishes."
    assert messages_of(response) == [f"“Vision credits”: {busy}"]
    assert messages_of(unpublished) == [busy]
    assert project.versions.count() == 2
    assert Project.objects.get(pk=project.pk).is_published
    assert waited < 8
