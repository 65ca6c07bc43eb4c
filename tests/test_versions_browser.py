"""Publishing a version in a real browser: an editor imports changes, readers see none of them
until the editor reviews and publishes them with a note, and the changelog says what changed.

Screenshots go to test-artifacts/.
"""

import pytest

from people.models import Credit, Project
from people.versions import publish
from tests.browser import Tab

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def import_credits(editor_tab, project, credits):
    editor_tab.page.goto("/admin/people/credit/import/")
    editor_tab.page.select_option("#id_project", label=project.title)
    editor_tab.page.set_input_files(
        "#id_import_file",
        {"name": "credits.csv", "mimeType": "text/csv", "buffer": credits.encode()},
    )
    editor_tab.page.click("input[type=submit]")
    editor_tab.page.click("input[name=confirm]")
    return editor_tab.page.locator(".messagelist").inner_text()


def test_an_editor_imports_then_reviews_and_publishes_a_version_with_a_note(
    tab,  # noqa: F811 (the fixture)
    editor,
    chromium,  # noqa: F811 (the fixture)
    live_server,
):
    project = Project.objects.create(title="Vision", slug="vision")
    tab.sign_in("editor", "editor-password-123")
    import_credits(tab, project, "section,team,person,role\nResearch,Data,Ada Lovelace,\n")
    publish(project)
    reader = Tab(chromium, live_server.url)
    reader.page.goto("/credits/vision/")
    before = reader.page.locator("[id='research--data'] a.person").all_inner_texts()

    imported = import_credits(
        tab,
        project,
        "section,team,person,role\nResearch,Data,Grace Hopper,\nResearch,Safety,Alan Turing,\n",
    )
    reader.page.reload()
    unchanged = reader.page.locator("[id='research--data'] a.person").all_inner_texts()
    tab.page.goto("/credits/vision/")
    banner = tab.page.locator(".draft-banner").inner_text()
    tab.page.click(".draft-banner a")
    about = tab.page.locator(".publish-status").inner_text()
    changes = tab.page.locator(".version-changes li").all_inner_texts()
    tab.page.fill("textarea", "Added the safety team.")
    tab.screenshot("versions-publish-screen")
    tab.page.click("input[name=confirm]")
    published = tab.page.locator(".messagelist").inner_text()
    reader.page.reload()
    after = reader.page.locator(".credits-section a.person").all_inner_texts()
    reader.page.click(".page-version a")
    reader.screenshot("versions-changelog")
    latest = reader.page.locator(".changelog-version").first
    note = latest.locator(".version-note").inner_text()
    changelog = latest.locator(".version-changes li").all_inner_texts()
    reader.page.click("text=Version 1")
    old_banner = reader.page.locator(".version-banner").inner_text()
    reader.context.close()

    assert "Import finished" in imported
    assert before == unchanged == ["Ada Lovelace"]
    assert banner == (
        "Unpublished changes since version 1: 2 people added, 1 change to sections and teams "
        "— review and publish"
    )
    assert about == (
        "You are about to publish version 2: 2 people added, 1 change to sections and teams."
    )
    assert changes == [
        "Grace Hopper added (Research › Data)",
        "Alan Turing added (Research › Safety)",
        "Team “Safety” added to Research",
    ]
    assert published == "Published “Vision” as version 2."
    assert after == ["Grace Hopper", "Ada Lovelace", "Alan Turing"]
    assert note == "Added the safety team."
    assert changelog == changes
    assert old_banner.startswith("Version 1 of 2, published ")
    assert Credit.objects.count() == 3
    assert tab.csp_violations() == []
