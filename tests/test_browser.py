"""The site in a real browser: Debian's chromium driven by Playwright against the live server.

Screenshots go to test-artifacts/.
"""

import os
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from people.models import Person, Project, Role, Section, Team
from people.versions import publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"


@pytest.fixture
def chromium(monkeypatch):
    """Debian's chromium, started for each test.

    Playwright's sync API runs an event loop in this thread while it is started,
    and Django then gives the thread other database connections (and refuses
    them unless told it is safe). Stopping it after each test lets the next test
    set up the database with the usual connection.
    """
    if not shutil.which(CHROMIUM):
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
        connections.close_all()


class Tab:
    """A browser tab on the live server that records console errors and CSP violations."""

    def __init__(self, browser, base_url, width=1280, height=900):
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=base_url
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.console_errors = []
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def csp_violations(self):
        return [text for text in self.console_errors if "Content Security Policy" in text]

    def screenshot(self, name, full_page=True):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=full_page)

    def sign_in(self, username, password):
        self.page.goto("/admin/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("input[type=submit]")
        self.page.wait_for_url("**/admin/")


@pytest.fixture
def tab(chromium, live_server):
    tab = Tab(chromium, live_server.url)
    yield tab
    tab.context.close()


@pytest.fixture
def phone_tab(chromium, live_server):
    tab = Tab(chromium, live_server.url, width=375, height=740)
    yield tab
    tab.context.close()


def test_the_admin_works_under_the_content_security_policy(tab, editor):
    project = Project.objects.create(title="Vision", slug="vision")
    team = Team.objects.create(section=Section.objects.create(project=project, title="Research"))
    ada = Person.objects.create(name="Ada Lovelace", slug="ada-lovelace")
    Person.objects.create(name="Grace Hopper", slug="grace-hopper")
    Role.objects.create(person=ada, team=team)

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto(f"/admin/people/team/{team.pk}/change/")
    # Inlines and autocomplete are JavaScript: add a member row and pick a person by typing.
    tab.page.click(".inline-group .add-row a")
    tab.page.locator(".dynamic-roles .select2-selection").last.click()
    tab.page.fill(".select2-search__field", "grace")
    tab.page.click(".select2-results__option:has-text('Grace Hopper')")
    tab.screenshot("admin-team-change")
    tab.page.click("input[name=_save]")
    tab.page.wait_for_url("**/admin/people/team/")
    tab.page.goto("/admin/people/person/")
    tab.page.check("#action-toggle")
    tab.screenshot("admin-person-list")
    counter = tab.page.locator(".action-counter").inner_text()
    for page in [
        "/admin/people/role/import/",
        "/admin/people/role/export/",
        "/admin/people/person/duplicates/",
    ]:
        tab.page.goto(page)

    assert sorted(team.roles.values_list("person__name", flat=True)) == [
        "Ada Lovelace",
        "Grace Hopper",
    ]
    assert counter == "2 of 2 selected"
    assert tab.csp_violations() == []


@pytest.fixture
def gpt4v(db):
    call_command("load_gpt4v", stdout=StringIO())
    return Project.objects.get(slug="gpt-4v")


def in_view(page, selector):
    """Whether the element's top edge is inside the viewport."""
    return page.evaluate(
        "(selector) => { const top = document.querySelector(selector).getBoundingClientRect().top;"
        " return top >= 0 && top < window.innerHeight; }",
        selector,
    )


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
        Role.objects.create(person=person, team=team, title="Team lead")
        Role.objects.create(person=person, section=section, title="Chief officer")
    publish(project)

    tab.page.goto(project.get_absolute_url())
    backwards = tab.page.evaluate(
        """() => Array.from(document.querySelectorAll("a.person, .role-title")).filter((node) => {
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


def test_an_editor_imports_overrides_a_sort_key_and_publishes(tab, editor, chromium, live_server):
    project = Project.objects.create(title="Vision", slug="vision")
    credits = "section,team,person,role\nResearch,Data,Ann Young,\nResearch,Data,Zed Adams,\n"
    credits += "Research,Data,Bob Xavier,\nResearch,,Ann Young,Research lead\n"

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto("/admin/people/role/import/")
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
