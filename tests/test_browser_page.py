"""The public project and search pages in a real browser (issue 12, points 16-21).

Screenshots go to test-artifacts/. As in test_browser.py, rows are committed for the
live server (transaction=True) and the migrations' rows put back (serialized_rollback).
"""

import pytest

from people.versions import publish
from tests.browser import ARTIFACTS, Tab

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UNTITLED = ["Ana María Madrid-Morales", "Jean-Baptiste Poquelin-Dufresne", "Zoe Zed"]


@pytest.fixture
def reader_page(make_project, make_section, make_team, make_credit):
    """A published page: a core team whose members carry titles, and one whose members don't."""
    project = make_project("Vision credits", "vision")
    research = make_section(project, "Research contributions", position=1)
    core = make_team(research, "Core contributors", position=1)
    make_credit("Ada Lovelace", team=core, title="Analysis lead")
    make_credit("Alan Turing", team=core, title="Infrastructure co-lead")
    make_credit("Grace Hopper", team=core)
    data = make_team(research, "Data", position=2)
    for name in [*UNTITLED, *(f"Person Number{number:02d}" for number in range(40))]:
        make_credit(name, team=data)
    safety = make_section(project, "Safety contributions", position=2)
    make_credit("Ada Lovelace", team=make_team(safety, "Red team"))
    publish(project)
    return project


def artifact(name):
    ARTIFACTS.mkdir(exist_ok=True)
    return str(ARTIFACTS / f"{name}.png")


def tops(page, selector):
    return page.evaluate(
        "(selector) => Array.from(document.querySelectorAll(selector))"
        ".map((node) => Math.round(node.getBoundingClientRect().top))",
        selector,
    )


def test_titled_members_stand_one_per_line_and_untitled_ones_run_on(tab, reader_page):
    tab.page.goto(reader_page.get_absolute_url())

    core = tops(tab.page, "[id='research-contributions--core-contributors'] li")
    data = tops(tab.page, "[id='research-contributions--data'] li")
    core_text = tab.page.locator("[id='research-contributions--core-contributors'] ul")
    tab.page.locator("[id='research-contributions']").screenshot(
        path=artifact("page-titled-members")
    )

    assert len(set(core)) == 3
    assert core_text.inner_text().splitlines() == [
        "Grace Hopper",
        "Ada Lovelace Analysis lead",
        "Alan Turing Infrastructure co-lead",
    ]
    assert len(set(data)) < len(data) / 3
    assert tab.csp_violations() == []


def test_no_name_or_title_is_split_across_lines_on_a_narrow_phone(
    chromium, live_server, reader_page
):
    narrow = Tab(chromium, live_server.url, width=320, height=640)
    narrow.page.goto(reader_page.get_absolute_url())

    split = narrow.page.evaluate(
        """() => Array.from(document.querySelectorAll("a.person, .credit-title"))
             .filter((node) => {
               const lineHeight = parseFloat(getComputedStyle(node).lineHeight);
               return node.getBoundingClientRect().height > lineHeight * 1.5;
             })
             .map((node) => node.textContent)"""
    )
    hyphens = narrow.page.evaluate("getComputedStyle(document.querySelector('a.person')).hyphens")
    narrow.page.locator("[id='research-contributions--data']").screenshot(
        path=artifact("page-names-at-320px")
    )
    narrow.context.close()

    assert split == []
    assert hyphens == "none"


def test_the_contents_open_and_lead_to_a_team_on_a_phone_without_javascript(
    chromium, live_server, reader_page
):
    context = chromium.new_context(
        viewport={"width": 375, "height": 740}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(reader_page.get_absolute_url())

    hidden_before = page.locator(".contents nav").is_hidden()
    page.click(".contents summary")
    entries = page.locator(".contents nav li").all_inner_texts()
    page.screenshot(path=artifact("page-contents-phone"), full_page=False)
    page.click(".contents a[href='#safety-contributions--red-team']")
    red_team_top = page.evaluate(
        "document.getElementById('safety-contributions--red-team').getBoundingClientRect().top"
    )
    context.close()

    assert hidden_before
    assert [entry.splitlines()[0] for entry in entries] == [
        "Research contributions (46)",
        "Core contributors (3)",
        "Data (43)",
        "Safety contributions (1)",
        "Red team (1)",
    ]
    assert 0 <= red_team_top < 740


def test_self_links_show_on_hover_and_keyboard_focus(tab, reader_page):
    tab.page.goto(reader_page.get_absolute_url())
    link = tab.page.locator("[id='research-contributions--data'] .self-link")

    def opacity():
        return link.evaluate("(node) => getComputedStyle(node).opacity")

    at_rest = opacity()
    tab.page.hover("[id='research-contributions--data'] h3")
    hovered = opacity()
    tab.page.mouse.move(0, 0)
    link.focus()
    focused = opacity()
    accessible_name = link.evaluate("(node) => node.textContent")

    assert (at_rest, hovered, focused) == ("0", "1", "1")
    assert accessible_name == "#Link to “Data”"


def test_one_rule_under_the_filter_box(tab, reader_page):
    tab.page.goto(reader_page.get_absolute_url())

    borders = tab.page.evaluate(
        "[getComputedStyle(document.querySelector('.name-filter')).borderBottomWidth,"
        " getComputedStyle(document.querySelector('.credits-section')).borderTopWidth]"
    )

    assert borders == ["0px", "2px"]


def test_search_results_tell_apart_people_of_similar_names(
    tab, make_project, make_section, make_team, make_credit
):
    vision = make_project("Vision credits", "vision")
    make_credit("Alex Kim", team=make_team(make_section(vision, "Research"), "Data"))
    speech = make_project("Speech credits", "speech")
    safety = make_section(speech, "Safety")
    make_credit("Alex Kim", team=make_team(safety, "Red team"), title="Red team lead")
    make_credit("Alex Kimura", team=make_team(safety, "Evaluations", position=2))
    publish(vision)
    publish(speech)

    tab.page.goto("/search/?q=alex+kim")
    results = tab.page.locator(".search-results > li").all_inner_texts()
    tab.screenshot("search-results-with-places")
    tab.page.click(".search-places a:text('Speech credits › Safety › Evaluations')")

    assert [result.splitlines() for result in results] == [
        [
            "Alex Kim",
            "Speech credits › Safety › Red team Red team lead",
            "Vision credits › Research › Data",
        ],
        ["Alex Kimura", "Speech credits › Safety › Evaluations"],
    ]
    assert tab.page.url.endswith("/credits/speech/#safety--evaluations")
    assert tab.csp_violations() == []
