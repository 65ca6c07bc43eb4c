"""The editors' screens in a real browser (Debian's chromium through Playwright), at 1,280 px.

Screenshots go to test-artifacts/. The live server reads the database through its own
connection, so these tests commit their rows (transaction=True).
"""

import time

import pytest
from playwright.sync_api import expect

from people.models import Credit, Person
from people.sorting import sort_key

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LONG_TITLE = "GPT-4V(ision) technical work and authors, with the system card and the research"

# The lines each cell of a table's rows takes: one rectangle per line of its text.
CELL_LINES = """(selector) => [...document.querySelectorAll(selector + ' tbody tr')].map(row =>
    Math.max(...[...row.cells].map(cell => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
    })))"""

# Elements that stick out of the window on the right (none should).
WIDER_THAN_WINDOW = """() => [...document.querySelectorAll('body *')]
    .filter(element => element.getBoundingClientRect().right > window.innerWidth + 1)
    .map(element => element.tagName + '.' + element.className)"""


@pytest.fixture
def long_names(make_project, make_section, make_team):
    """A project with long titles everywhere: a section, a team and its unheaded group."""
    project = make_project(LONG_TITLE, "gpt-4v")
    section = make_section(project, "Research contributions to the vision capabilities")
    return {
        "project": project,
        "section": section,
        "team": make_team(section, "Architecture research and deployment engineering"),
    }


def test_the_credits_list_shows_one_line_per_credit(tab, editor, long_names, make_credit):
    for number in range(40):
        make_credit(
            f"Person {number:02} Long-Family-Name",
            team=long_names["team"],
            title="Pretraining data co-lead and evaluation infrastructure" if number % 2 else "",
        )

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto("/admin/people/credit/")
    lines = tab.page.evaluate(CELL_LINES, "#result_list")
    heights = tab.page.evaluate(
        "[...document.querySelectorAll('#result_list tbody tr')].map(row => row.offsetHeight)"
    )
    wide = tab.page.evaluate(WIDER_THAN_WINDOW)
    project_cell = tab.page.locator("#result_list tbody tr .field-project").first
    tab.screenshot("admin-credits-list", full_page=False)

    assert len(lines) == 40
    assert set(lines) == {1}
    assert max(heights) <= 40
    assert wide == []
    assert project_cell.inner_text() == "gpt-4v"
    assert project_cell.locator("[title]").get_attribute("title") == LONG_TITLE
    assert tab.csp_violations() == []


def test_a_persons_credits_name_their_places_and_fit_the_window(
    tab, editor, long_names, make_credit, make_project, make_section, make_team
):
    other = make_team(make_section(make_project("GPT-5", "gpt-5"), "Research"), "Architecture")
    ada = make_credit("Ada Lovelace", team=long_names["team"]).person
    make_credit(ada, section=long_names["section"], title="Vision lead")
    make_credit(ada, team=other)

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto(f"/admin/people/person/{ada.pk}/change/")
    shown = tab.page.locator(".dynamic-credits .field-team .select2-selection__rendered[title]")
    labels = [label.get_attribute("title") for label in shown.all()]
    cut = [label.evaluate("text => text.scrollWidth > text.clientWidth") for label in shown.all()]
    wide = tab.page.evaluate(WIDER_THAN_WINDOW)
    tab.page.locator(".dynamic-credits .field-team .select2-selection").first.click()
    tab.page.fill(".select2-search__field", "arch")
    offered = tab.page.locator(".select2-results__option")
    offered.filter(has_text="Architecture").first.wait_for()
    # select2 shows "Searching…" as an option of its own until the answer is drawn.
    expect(tab.page.locator(".select2-results__option.loading-results")).to_have_count(0)
    tab.screenshot("admin-person-credits")
    offered = offered.all_inner_texts()

    assert labels == [
        "Research contributions to the vision capabilities › "
        "Architecture research and deployment engineering",
        "Research › Architecture",
    ]
    assert cut == [False, False]
    assert wide == []
    assert offered == [
        "Research contributions to the vision capabilities › "
        "Architecture research and deployment engineering"
    ]
    assert tab.csp_violations() == []


def test_a_team_of_three_thousand_is_searched_added_to_and_pruned(
    tab, editor, long_names, make_person
):
    team = long_names["team"]
    names = [f"Member {number:04}" for number in range(3000)]
    people = Person.objects.bulk_create(
        Person(name=name, slug=f"member-{number}", sort_key=sort_key(name))
        for number, name in enumerate(names)
    )
    Credit.objects.bulk_create(Credit(person=person, team=team) for person in people)
    make_person("Madeleine Boyd")

    tab.sign_in("editor", "editor-password-123")
    started = time.monotonic()
    tab.page.goto(f"/admin/people/team/{team.pk}/change/")
    seconds = time.monotonic() - started
    heading = tab.page.locator("#credits h2").inner_text()
    rows = tab.page.locator("#credits tbody tr").count()
    wide = tab.page.evaluate(WIDER_THAN_WINDOW)
    tab.screenshot("admin-team-members")
    tab.page.locator("#credits").scroll_into_view_if_needed()
    tab.screenshot("admin-team-members-top", full_page=False)

    tab.page.fill("#credits-q", "member 029")
    tab.page.click(".credits-search input[type=submit]")
    tab.page.wait_for_url("**?q=member+029#credits")
    found = tab.page.locator("#credits tbody th").all_inner_texts()
    tab.page.check("#credits tbody tr:nth-child(2) input[type=checkbox]")
    tab.page.check("#credits tbody tr:nth-child(3) input[type=checkbox]")
    tab.page.click(".credits-actions input[type=submit]")
    asked = tab.page.locator("ul.credits-to-remove li").all_inner_texts()
    tab.screenshot("admin-team-members-remove")
    tab.page.click("input[name=confirm]")
    removed = tab.page.locator(".messagelist").inner_text()

    tab.page.fill("#id_paste-names", "Kim Lee\nMadelaine Boyd\tEvaluation lead\nMember 0001")
    tab.page.click(".credits-paste input[type=submit]")
    summary = tab.page.locator(".paste-summary").inner_text()
    flagged = tab.page.locator("ul.new-people").inner_text()
    tab.screenshot("admin-team-members-paste")
    tab.page.click("input[name=confirm]")
    added = tab.page.locator(".messagelist").inner_text()

    assert seconds < 3
    assert heading == "Members: 3000"
    assert rows == 100
    assert wide == []
    assert found[:3] == ["Member 0029", "Member 0290", "Member 0291"] and len(found) == 13
    assert asked == ["Member 0290", "Member 0291"]
    assert removed.startswith("Removed 2 members from Research contributions")
    assert summary == "2 to add, of whom 2 new people; 1 already listed."
    assert "Madelaine Boyd — looks like Madeleine Boyd" in flagged
    assert added == "Added 2 members, of whom 2 new people; 1 already listed."
    assert team.credits.count() == 3000
    assert tab.csp_violations() == []


def test_the_merge_preview_keeps_the_established_record(
    tab, editor, make_project, make_section, make_team, make_person, make_credit
):
    established = make_person("José Pérez")
    make_credit(established, team=make_team(make_section(make_project("GPT-4", "gpt-4"))))
    imported = make_person("José Perez")
    section = make_section(make_project("GPT-5", "gpt-5"), "Research")
    make_credit(imported, team=make_team(section, "Vision"))
    make_credit(imported, section=section, title="Vision lead")

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto("/admin/people/person/")
    tab.page.check(f"input[name=_selected_action][value='{established.pk}']")
    tab.page.check(f"input[name=_selected_action][value='{imported.pk}']")
    tab.page.select_option("select[name=action]", "merge_selected_people")
    tab.page.click("button[name=index], .actions button[type=submit]")
    kept = tab.page.locator("input[name=keep]:checked").get_attribute("value")
    suggestion = tab.page.locator(".merge-suggestion").inner_text()
    wide = tab.page.evaluate(WIDER_THAN_WINDOW)
    tab.screenshot("admin-merge-preview")
    tab.page.click("input[name=confirm]")
    tab.page.wait_for_url(f"**/admin/people/person/{established.pk}/change/")

    assert kept == str(established.pk)
    assert suggestion == "Suggested: José Pérez, as the oldest record."
    assert wide == []
    assert list(Person.objects.values_list("slug", flat=True)) == ["jose-perez"]
    assert tab.csp_violations() == []
