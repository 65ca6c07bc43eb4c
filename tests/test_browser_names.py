"""People → Names to check in a real browser (Debian's chromium through Playwright).

Screenshots go to test-artifacts/.
"""

import pytest

from people.models import Credit, Person, Team

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_editor_settles_the_names_to_check_of_a_page(tab, editor, gpt4v):  # noqa: F811
    team = Team.objects.get(section__project=gpt4v, name="Architecture research")
    for name, slug in [("Gabriel García Márquez", "gabo"), ("村上春樹", "murakami")]:
        Credit.objects.create(person=Person.objects.create(name=name, slug=slug), team=team)

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto("/admin/people/person/")
    tab.page.click("text=Names to check")
    tab.page.select_option("#names-project", label=gpt4v.title)
    tab.page.click(".names-filters input[type=submit]")
    rows = tab.page.locator("#names-to-check tbody tr")
    listed = rows.locator("th").all_inner_texts()
    gabriel = rows.filter(has_text="Gabriel García Márquez")
    before = gabriel.locator(".neighbours").inner_text()
    overflow = tab.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    tab.screenshot("admin-names-to-check")
    gabriel.get_by_label("Family name of Gabriel García Márquez").fill("García Márquez")
    tab.page.get_by_label("Looks right of Jong Wook Kim").check()
    tab.page.click("input[value=Save]")
    saved = tab.page.locator(".messagelist").inner_text()
    after = rows.locator("th").all_inner_texts()
    tab.screenshot("admin-names-to-check-saved")

    assert listed == [
        "Florencia Leoni Aleman",
        "村上春樹",
        "Jong Wook Kim",
        "Hannah Rose Kirk",
        "Gabriel García Márquez",
        "Justin Jay Wang",
    ]
    assert "Architecture research:" in before
    assert overflow <= 0
    assert "Saved 2 people." in saved
    assert "Gabriel García Márquez now sorts under G: in Research contributions › " in saved
    assert after == ["Florencia Leoni Aleman", "村上春樹", "Hannah Rose Kirk", "Justin Jay Wang"]
    assert Person.objects.get(slug="gabo").sort_key == "garcia marquez\tgabriel"
    assert tab.csp_violations() == []
