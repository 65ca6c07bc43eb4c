"""Projects in the admin: their inlines, section titles, and publishing."""

from datetime import UTC, datetime

import pytest
from django.contrib.admin.models import LogEntry

from people.models import Credit, Person, Project, Section, Team
from tests.admin_pages import errors_of, url
from tests.html_tree import parse

pytestmark = pytest.mark.django_db


def test_add_project_with_resources_sections_and_acknowledgments(editor_client, submit_form):
    response = submit_form(
        editor_client,
        url(Project, "add"),
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
        },
    )

    assert response.status_code == 302
    project = Project.objects.get(slug="gpt-5")
    assert not project.is_published
    assert [s.title for s in project.sections.all()] == ["Research contributions", "Deployment"]
    assert project.resources.get().url == "https://example.org/card"
    assert project.acknowledgments.get().text == "We thank the red teamers."


def test_reorder_sections_in_the_list(editor_client, one_of_each, make_section):
    section = one_of_each[Section]
    other = make_section(section.project, "Deployment", position=2)
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


# Section titles, which ignore case


@pytest.mark.parametrize("title", ["Research contributions", "research Contributions"])
def test_duplicate_section_title_is_refused(editor_client, submit_form, one_of_each, title):
    response = submit_form(
        editor_client, url(Section, "add"), project=one_of_each[Project].pk, title=title
    )

    assert errors_of(response) == "A section with this title already exists in this project."
    assert Section.objects.count() == 1


def test_duplicate_section_title_in_the_project_form_is_refused(
    editor_client, submit_form, one_of_each
):
    project = one_of_each[Project]

    response = submit_form(
        editor_client,
        url(Project, "change", project.pk),
        {
            "sections-TOTAL_FORMS": "2",
            "sections-1-title": "RESEARCH contributions",
            "sections-1-position": "2",
        },
    )

    assert "A section with this title already exists in this project." in errors_of(response)
    assert project.sections.count() == 1


def test_same_section_title_twice_in_the_project_form_is_refused(
    editor_client, submit_form, one_of_each
):
    project = one_of_each[Project]

    response = submit_form(
        editor_client,
        url(Project, "change", project.pk),
        {
            "sections-TOTAL_FORMS": "3",
            "sections-1-title": "Deployment",
            "sections-2-title": "deployment",
            "sections-1-position": "2",
            "sections-2-position": "3",
        },
    )

    assert "Please correct the names listed twice." in errors_of(response)
    assert "“deployment” repeats “Deployment”" in response.content.decode()
    assert project.sections.count() == 1


@pytest.mark.parametrize(
    ("first", "second"), [("ÉLODIE", "élodie"), ("Ωmega", "ωMEGA"), ("ΟΔΟΣ", "οδοσ")]
)
# SQLite lowers only ASCII by itself: this is the run that proves people.apps gives it LOWER.
@pytest.mark.sqlite
def test_titles_differing_only_in_non_ascii_case_are_one_title(
    editor_client, submit_form, one_of_each, make_section, first, second
):
    project = one_of_each[Project]
    make_section(project, first)

    alone = submit_form(editor_client, url(Section, "add"), project=project.pk, title=second)
    together = submit_form(
        editor_client,
        url(Project, "change", project.pk),
        {
            "sections-TOTAL_FORMS": "4",
            "sections-2-title": f"{second} 2",
            "sections-3-title": f"{first} 2",
            "sections-2-position": "3",
            "sections-3-position": "4",
        },
    )

    assert errors_of(alone) == "A section with this title already exists in this project."
    assert "Please correct the names listed twice." in errors_of(together)
    assert project.sections.count() == 2


# Publishing


def run_action(client, action, projects):
    return client.post(
        url(Project, "changelist"),
        {"action": action, "_selected_action": [project.pk for project in projects]},
        follow=True,
    )


def confirm_publishing(client, projects, **notes):
    """Open the publish screen of `projects`, then confirm it as shown, with `notes` by slug."""
    screen = run_action(client, "publish", projects)
    data = {"action": "publish", "confirm": "Publish", "_selected_action": []}
    for form in screen.context["forms"]:
        project = form.preview.project
        data["_selected_action"].append(project.pk)
        data[f"{form.prefix}-base"] = form.preview.base
        data[f"{form.prefix}-fingerprint"] = form.preview.fingerprint
        data[f"{form.prefix}-note"] = notes.get(project.slug, "")
    return client.post(url(Project, "changelist"), data, follow=True)


def test_publish_action_shows_the_changes_then_publishes_and_logs(
    editor_client, editor, one_of_each
):
    project = one_of_each[Project]

    screen = run_action(editor_client, "publish", [project])
    response = confirm_publishing(editor_client, [project])

    assert "You are about to publish version 1, the first: 2 credits." in screen.text
    project.refresh_from_db()
    assert project.is_published
    assert project.published_at is not None
    assert "Published “GPT-4V” as version 1." in response.text
    entry = LogEntry.objects.get(object_id=str(project.pk))
    assert (entry.user, entry.get_change_message()) == (editor, "Published version 1.")
    latest = project.history.first()
    assert (latest.history_user, latest.history_change_reason) == (editor, "Published version 1")


def test_republishing_keeps_the_first_publication_date(editor_client, one_of_each):
    project = one_of_each[Project]
    confirm_publishing(editor_client, [project])
    first = Project.objects.get().published_at

    run_action(editor_client, "unpublish", [project])
    draft = Project.objects.get()
    response = confirm_publishing(editor_client, [project])

    assert (draft.is_published, draft.published_at) == (False, first)
    assert Project.objects.get().published_at == first
    assert Project.objects.get().is_published
    assert "“GPT-4V” is online again, as version 1." in response.text


def test_unpublish_action_takes_the_page_down_and_logs(editor_client, editor, one_of_each):
    project = one_of_each[Project]
    confirm_publishing(editor_client, [project])

    response = run_action(editor_client, "unpublish", [project])

    assert not Project.objects.get().is_published
    assert "Unpublished 1 project(s)." in response.text
    messages = [entry.get_change_message() for entry in LogEntry.objects.order_by("id")]
    assert messages == ["Published version 1.", "Unpublished."]


def test_publishing_a_published_project_unchanged_makes_no_version(editor_client, one_of_each):
    confirm_publishing(editor_client, [one_of_each[Project]])

    screen = run_action(editor_client, "publish", [one_of_each[Project]])

    assert "Nothing changed since version 1: publishing makes no version." in screen.text
    assert 'name="confirm"' not in screen.text
    assert LogEntry.objects.count() == 1


def test_project_list_shows_and_filters_publication(editor_client, one_of_each, make_project):
    make_project("Live", "live")

    drafts = editor_client.get(url(Project, "changelist"), {"is_published__exact": "0"})

    assert [p.title for p in drafts.context["cl"].result_list] == ["GPT-4V"]
    assert "Published at" in drafts.content.decode()


def test_publication_is_not_edited_in_the_project_form(editor_client, submit_form, one_of_each):
    project = one_of_each[Project]

    response = submit_form(editor_client, url(Project, "change", project.pk), is_published="on")

    assert response.status_code == 302
    assert not Project.objects.get().is_published


# The date of the last change


def test_the_admin_shows_the_last_update_the_page_shows(
    client, editor_client, make_project, make_section, make_team, make_person, make_credit
):
    project = make_project(published_at=datetime(2023, 9, 25, tzinfo=UTC))
    team = make_team(make_section(project, "Credits"), "Team")
    ada = make_person("Ada Lovelace")
    Project.objects.filter(pk=project.pk).update(updated_at=datetime(2023, 9, 25, tzinfo=UTC))
    for model in [Section, Team, Person]:
        model.history.update(history_date=datetime(2023, 9, 25, tzinfo=UTC))
    make_credit(ada, team=team)
    Credit.history.update(history_date=datetime(2026, 11, 29, 12, tzinfo=UTC))

    page = parse(client.get(project.get_absolute_url()).text).find("p", "page-dates")
    change = parse(editor_client.get(url(Project, "change", project.pk)).text)
    listed = editor_client.get(url(Project, "changelist")).content.decode()

    assert page.text().endswith("Last updated 29 November 2026")
    shown = change.find("div", "field-last_updated")
    assert shown.find("label").text() == "Last updated:"
    assert shown.find("div", "readonly").text() == "29 November 2026"
    assert shown.find("time").attrs["datetime"] == page.find_all("time")[-1].attrs["datetime"]
    assert "Updated at" not in change.text() and "Updated at" not in listed
    assert "2023" not in shown.text()
