"""The site in a real browser: Debian's chromium driven by Playwright against the live server.

Screenshots go to test-artifacts/. The live server reads the database through its own
connection, so these tests commit their rows (transaction=True) and the database is
emptied after each; serialized_rollback puts back what the migrations wrote (the
Editors group and its permissions) before each.
"""

import re

import pytest
from playwright.sync_api import expect

from people.models import Credit, Person, Project, Section, Team
from people.versions import first_version, publish
from tests.browser import Tab

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_admin_works_under_the_content_security_policy(
    tab, editor, make_project, make_section, make_team, make_person, make_credit
):
    project = make_project("Vision", "vision", is_published=False)
    team = make_team(make_section(project, "Research"))
    make_credit("Ada Lovelace", team=team)
    make_person("Grace Hopper")

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto(f"/admin/people/team/{team.pk}/change/")
    # Autocomplete is JavaScript: pick a person by typing, under the team's members.
    tab.page.locator(".credits-add .field-person .select2-selection").click()
    tab.page.fill(".select2-search__field", "grace")
    tab.page.click(".select2-results__option:has-text('Grace Hopper')")
    tab.screenshot("admin-team-change")
    tab.page.click(".credits-add input[value=Add]")
    tab.page.wait_for_url(f"**/admin/people/team/{team.pk}/change/#credits")
    tab.page.goto("/admin/people/person/")
    tab.page.check("#action-toggle")
    tab.screenshot("admin-person-list")
    counter = tab.page.locator(".action-counter").inner_text()
    for page in [
        "/admin/people/credit/import/",
        "/admin/people/credit/export/",
        "/admin/people/person/duplicates/",
    ]:
        tab.page.goto(page)

    assert sorted(team.credits.values_list("person__name", flat=True)) == [
        "Ada Lovelace",
        "Grace Hopper",
    ]
    assert counter == "2 of 2 selected"
    assert tab.csp_violations() == []


def in_view(page, selector):
    """Whether the element's top edge is inside the viewport."""
    return page.evaluate(
        "(selector) => { const top = document.querySelector(selector).getBoundingClientRect().top;"
        " return top >= 0 && top < window.innerHeight; }",
        selector,
    )


@pytest.fixture
def gpt4v(gpt4v):
    """The GPT-4V page as readers see it: published as version 1, as `make run` loads it."""
    first_version(gpt4v)
    return gpt4v


def test_section_anchors_scroll_to_their_section(tab, gpt4v):
    section = gpt4v.sections.order_by("position").last()

    tab.page.goto(f"{gpt4v.get_absolute_url()}#{section.anchor}")
    deep_linked = in_view(tab.page, f"[id='{section.anchor}'] h2")
    tab.page.goto(gpt4v.get_absolute_url())
    before_click = in_view(tab.page, "#acknowledgments h2")
    tab.page.click("#acknowledgments .self-link")
    after_click = in_view(tab.page, "#acknowledgments h2")

    assert deep_linked
    assert not before_click
    assert after_click
    assert tab.page.url.endswith("#acknowledgments")
    assert tab.csp_violations() == []


def test_names_link_to_person_pages(tab, gpt4v):
    tab.page.goto(gpt4v.get_absolute_url())

    tab.page.click("a.person:text-is('Łukasz Kondraciuk')")

    tab.page.wait_for_url("**/people/lukasz-kondraciuk/")
    assert tab.page.locator("h1").inner_text() == "Łukasz Kondraciuk"
    assert "Distributed training infrastructure" in tab.page.locator("main").inner_text()
    assert tab.csp_violations() == []


def test_the_filter_narrows_the_names_as_one_types(tab, gpt4v):
    tab.page.goto(gpt4v.get_absolute_url())
    names = tab.page.locator(":is(.credits-section, .acknowledgment) a.person:visible")
    every_name = names.count()
    status = tab.page.locator(".name-filter-status")

    tab.page.fill("#name-filter-input", "lukasz")
    expect(status).to_have_text(re.compile("names shown"))
    tab.screenshot("project-filtered")
    shown = names.all_inner_texts()
    tab.page.fill("#name-filter-input", "")
    expect(status).to_have_text("")

    assert every_name > 150
    assert shown == ["Łukasz Kondraciuk"]
    assert names.count() == every_name
    assert tab.csp_violations() == []


@pytest.mark.parametrize("path", ["/", "/credits/gpt-4v/", "/people/lukasz-kondraciuk/"])
def test_a_phone_sized_screen_needs_no_sideways_scrolling(phone_tab, gpt4v, path):
    phone_tab.page.goto(path)

    overflow = phone_tab.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    phone_tab.screenshot(f"phone{path.replace('/', '-').rstrip('-') or '-home'}", full_page=False)

    assert overflow <= 0
    assert phone_tab.csp_violations() == []


def test_the_project_page_as_a_reader_sees_it(tab, gpt4v):
    tab.page.goto(gpt4v.get_absolute_url())

    tab.screenshot("project-desktop")

    assert tab.page.locator("h1").inner_text() == gpt4v.title
    assert tab.console_errors == []


def test_a_right_to_left_override_in_a_name_reverses_nothing_else(tab):
    project = Project.objects.create(title="Bidi", slug="bidi", is_published=True)
    section = Section.objects.create(project=project, title="Research")
    team = Team.objects.create(section=section, name="Vision")
    for number, name in enumerate(["Mallory \u202eevil", "Nina Normal", "Zed Zimmer"]):
        person = Person.objects.create(name=name, slug=f"p{number}")
        Credit.objects.create(person=person, team=team, title="Team lead")
        Credit.objects.create(person=person, section=section, title="Chief officer")
    publish(project)

    tab.page.goto(project.get_absolute_url())
    backwards = tab.page.evaluate(
        """() => Array.from(document.querySelectorAll("a.person, .credit-title")).filter((node) => {
             const text = node.firstChild, range = document.createRange();
             if (text.data.includes("\u202e")) return false;
             range.setStart(text, 0); range.setEnd(text, 1);
             const first = range.getBoundingClientRect().left;
             range.setStart(text, text.length - 1); range.setEnd(text, text.length);
             return range.getBoundingClientRect().left < first;
           }).map((node) => node.textContent)"""
    )
    tab.screenshot("bidi")

    assert backwards == []


def test_an_editor_imports_overrides_a_sort_key_and_publishes(
    tab, editor, chromium, live_server, make_project
):
    project = make_project("Vision", "vision", is_published=False)
    credits = "section,team,person,role\nResearch,Data,Ann Young,\nResearch,Data,Zed Adams,\n"
    credits += "Research,Data,Bob Xavier,\nResearch,,Ann Young,Research lead\n"

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto("/admin/people/credit/import/")
    tab.page.select_option("#id_project", label="Vision")
    tab.page.set_input_files(
        "#id_import_file",
        {"name": "vision.csv", "mimeType": "text/csv", "buffer": credits.encode()},
    )
    tab.page.click("input[type=submit]")
    preview = tab.page.locator("#new-people").inner_text()
    tab.screenshot("import-preview")
    tab.page.click("input[name=confirm]")
    imported = tab.page.locator(".messagelist").inner_text()
    tab.page.goto("/admin/people/person/?q=Zed+Adams")
    tab.page.click("#result_list a:text-is('Zed Adams')")
    tab.page.fill("#id_sort_name", "Zulu, Zed")
    tab.page.click("input[name=_save]")
    tab.page.goto("/admin/people/project/")
    tab.page.check(f"input[name=_selected_action][value='{project.pk}']")
    tab.page.select_option("select[name=action]", "publish")
    tab.page.click("button[name=index]")
    tab.page.click("input[name=confirm]")
    published = tab.page.locator(".messagelist").inner_text()
    reader = Tab(chromium, live_server.url)
    reader.page.goto("/credits/vision/")
    reader.screenshot("imported-and-published")
    team = reader.page.locator("[id='research--data'] a.person").all_inner_texts()
    leads = reader.page.locator("[id='research'] .leads li").all_inner_texts()
    reader.context.close()

    assert "Row 2: Ann Young" in preview
    assert "Import finished" in imported
    assert "Published “Vision” as version 1." in published
    assert team == ["Bob Xavier", "Ann Young", "Zed Adams"]
    assert leads == ["Ann Young Research lead"]
    assert tab.csp_violations() == []
