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


def test_three_people_answer_and_the_published_page_shows_their_choices_and_no_private_spelling(
    tab, editor, chromium, live_server, make_project, make_section, make_team, make_credit
):
    """The issue's walk-through: one confirms, one's new spelling is accepted, one declines."""
    project = make_project("Vision", "vision", is_published=False)
    data = make_team(make_section(project, "Research"), "Data")
    for name in ["Ada Lovelace", "Mark Chen", "Zoe Quiet"]:
        make_credit(name, team=data)
    mark = Person.objects.get(name="Mark Chen")
    mark.aliases.create(name="Mark Chne")  # a typo from an old spreadsheet: private
    mark.aliases.create(name="M. Chen", is_public=True)

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto(f"/admin/people/project/{project.pk}/change/")
    tab.page.click("text=Ask everyone not yet asked")
    tab.page.click("input[name=confirm]")
    links = {
        row.locator("td").first.inner_text(): row.locator("input").input_value()
        for row in tab.page.locator("table.review-links tbody tr").all()
    }
    person = Tab(chromium, live_server.url)
    person.page.goto(links["Ada Lovelace"])
    person.page.click("text=This is right")
    person.page.goto(links["Mark Chen"])
    person.page.fill("#id_name", "Mark Chén")
    person.page.click("text=Send corrections")
    person.page.goto(links["Zoe Quiet"])
    person.page.check("input[name=naming][value=not_named]")
    person.page.click("text=Save my choice")
    declined = person.page.locator(".review-not-named").inner_text()
    person.context.close()
    tab.page.goto(f"/admin/people/review/{mark.reviews.get().pk}/change/")
    tab.page.click("input[value='Accept and apply']")
    tab.page.goto("/credits/vision/")
    tab.page.click(".draft-banner a")
    tab.page.click("input[name=confirm]")
    published = tab.page.locator(".messagelist").inner_text()
    reader = Tab(chromium, live_server.url)
    reader.page.goto("/credits/vision/")
    team = reader.page.locator("[id='research--data']").inner_text()
    reader.screenshot("reviews-published-with-choices")
    files = {
        address: reader.page.request.get(f"{live_server.url}{address}").body()
        for address in [
            "/credits/vision/",
            "/credits/vision/v/1/",
            "/credits/vision/credits.json",
            "/credits/vision/credits.csv",
            "/credits/vision/CITATION.cff",
            "/credits/vision/citation.bib",
            f"/people/{Person.objects.get(pk=mark.pk).slug}/",
            "/search/?q=Chne",
            "/search/?q=Quiet",
        ]
    }
    reader_violations = reader.csp_violations()
    reader.context.close()

    assert "asked not to be named" in declined
    assert published == "Published “Vision” as version 1."
    assert "Ada Lovelace" in team and "Mark Chén" in team and "and 1 other" in team
    assert "Zoe Quiet" not in team
    for address, body in files.items():
        assert b"Mark Chne" not in body, address
        assert b"Zoe Quiet" not in body and b"zoe-quiet" not in body, address
    assert "Mark Chén".encode() in files["/credits/vision/credits.csv"]
    assert b"M. Chen" in files[f"/people/{Person.objects.get(pk=mark.pk).slug}/"]
    assert b"Mark Ch" not in files["/search/?q=Chne"]
    assert tab.csp_violations() == []
    assert reader_violations == []
