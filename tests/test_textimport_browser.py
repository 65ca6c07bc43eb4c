"""The text import in a real browser: from the seed text to the published page.

Screenshots go to test-artifacts/.
"""

import pytest
from playwright.sync_api import expect

from people.models import Project
from tests.browser import Tab
from tests.seed import SEED_PATH
from tests.test_fixtures import RESOURCES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The headings the seed lost, as the editor types them, by the line of the group's first name.
# The slug the admin makes of the title as it is typed.
SLUG = "gpt-4vision-technical-work-and-authors"
HEADINGS = {27: "Data", 88: "Design", 97: "Communications", 105: "Legal"}


def reader_view(reader, path):
    """What a reader sees of a credits page: intro, citation, sections, acknowledgments."""
    reader.page.goto(path)
    return {
        "title": reader.page.locator("h1").inner_text(),
        "intro": reader.page.locator(".intro").inner_text(),
        "citation": reader.page.locator(".citation").inner_text(),
        "sections": reader.page.locator(".credits-section").all_inner_texts(),
        "acknowledgments": reader.page.locator("#acknowledgments").inner_text(),
    }


def test_an_editor_imports_the_seed_text_fixes_the_lost_headings_and_publishes(
    tab,  # noqa: F811
    editor,
    gpt4v_published,
    chromium,  # noqa: F811
    live_server,
):
    tab.sign_in("editor", "editor-password-123")
    tab.page.goto("/admin/people/project/add/")
    tab.page.locator("#id_title").press_sequentially(gpt4v_published.title)
    expect(tab.page.locator("#id_slug")).to_have_value(SLUG)
    tab.page.click("input[name=_save]")
    tab.page.goto("/admin/people/project/")
    tab.page.click("text=Import a page’s text")
    new_project = Project.objects.get(slug=SLUG)
    tab.page.select_option("#id_project", value=str(new_project.pk))
    tab.page.fill("#id_text", SEED_PATH.read_text(encoding="utf-8"))
    tab.page.click("input[value=Preview]")
    warnings = tab.page.locator("#lost-headings label").all_inner_texts()
    tab.screenshot("text-import-preview", full_page=False)
    for line, heading in HEADINGS.items():
        tab.page.fill(f"#heading-{line}", heading)
    tab.page.click("input[name=preview]")
    expect(tab.page.locator("#structure")).to_contain_text("Communications — heading lost?")
    tab.screenshot("text-import-headings-typed", full_page=False)
    tab.page.click("input[name=confirm]")
    imported = tab.page.locator(".messagelist").inner_text()
    for number, (title, url) in enumerate(RESOURCES):
        tab.page.click("#resources-group .add-row a")
        tab.page.fill(f"#id_resources-{number}-title", title)
        tab.page.fill(f"#id_resources-{number}-url", url)
        tab.page.fill(f"#id_resources-{number}-position", str(number + 1))
    tab.page.click("input[name=_save]")
    tab.page.goto("/admin/people/project/")
    tab.page.check(f"input[name=_selected_action][value='{new_project.pk}']")
    tab.page.select_option("select[name=action]", "publish")
    tab.page.click("button[name=index]")
    tab.page.click("input[name=confirm]")
    published = tab.page.locator(".messagelist").inner_text()
    reader = Tab(chromium, live_server.url)
    imported_page = reader_view(reader, f"/credits/{SLUG}/")
    reader.screenshot("text-import-published")
    fixture_page = reader_view(reader, "/credits/gpt-4v/")
    reader.context.close()

    assert len(warnings) == 5
    assert warnings[0].startswith(
        "Line 27: a group without a heading after ‘Distributed training infrastructure’ (line 24)"
    )
    assert imported.startswith(
        f'Imported into "{gpt4v_published.title}": 210 new credits, 0 unchanged'
    )
    assert f"Published “{new_project.title}” as version 1." in published
    assert imported_page == fixture_page
    assert tab.csp_violations() == []
