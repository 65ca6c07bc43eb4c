"""Review by the people credited in a real browser: an editor asks, a person answers.

As in tests/test_browser.py, the live server reads what the tests commit.
"""

import pytest

from people.models import Person
from tests.browser import Tab

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("generous_rate_limit"),
]


def test_an_editor_asks_the_person_corrects_the_editor_accepts(
    tab, editor, chromium, live_server, make_project, make_section, make_team, make_credit
):
    project = make_project("Vision", "vision", is_published=False)
    mark = make_credit("Mark Chen", team=make_team(make_section(project), "Data")).person

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto(f"/admin/people/project/{project.pk}/change/")
    tab.page.click("text=Ask everyone not yet asked")
    tab.page.click("input[name=confirm]")
    link = tab.page.locator("table.review-links input").input_value()
    tab.screenshot("review-links-to-copy")
    person = Tab(chromium, live_server.url)
    person.page.goto(link)
    shown = person.page.locator(".review-credits").inner_text()
    person.page.fill("#id_name", "Mark Chén")
    person.page.click("text=Send corrections")
    thanked = person.page.locator(".review-messages").inner_text()
    person.screenshot("review-page-after-sending")
    tab.page.goto(f"/admin/people/review/{mark.reviews.get().pk}/change/")
    tab.screenshot("review-decisions")
    tab.page.click("input[value='Accept and apply']")
    accepted = tab.page.locator(".messagelist").inner_text()
    person.page.reload()
    decision = person.page.locator(".review-decision").inner_text()
    person_violations = person.csp_violations()
    person.context.close()

    assert "/review/link/" in link
    assert shown == "Research contributions › Data: Mark Chen"
    assert "the editors have your corrections" in thanked
    assert "Accepted and applied." in accepted
    assert decision.startswith("Accepted by the editors on")
    assert Person.objects.get(pk=mark.pk).name == "Mark Chén"
    assert tab.csp_violations() == []
    assert person_violations == []
