"""The count of the people a page does not name, in a real browser with its name filter.

As in test_browser_page.py, rows are committed for the live server (transaction=True)
and the migrations' rows put back (serialized_rollback).
"""

import pytest
from playwright.sync_api import expect

from people.naming import Choice, choose
from people.versions import publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_filter_keeps_the_count_of_the_people_not_named_after_the_names_shown(
    tab, make_project, make_section, make_team, make_credit
):
    project = make_project("Vision", "vision")
    data = make_team(make_section(project, "Research contributions"), "Data")
    credits = [make_credit(name, team=data) for name in ["Ann Young", "Bob Zed", "Jane Doe"]]
    publish(project)
    choose(credits[2].person, project, Choice.NOT_NAMED)
    tab.page.goto(project.get_absolute_url())
    names = tab.page.locator("[id='research-contributions--data'] ul")
    before = names.inner_text()

    tab.page.fill("#name-filter-input", "young")
    expect(tab.page.locator(".name-filter-status")).to_have_text("1 of 2 names shown.")

    assert before == "Ann Young, Bob Zed and 1 other"
    assert names.inner_text() == "Ann Young and 1 other"
    assert tab.csp_violations() == []
