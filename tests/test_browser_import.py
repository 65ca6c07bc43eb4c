"""The credits import preview in a real browser: every credit listed, decisions, Confirm last."""

import pytest

from people.models import Alias, Person
from tests.spreadsheets import GPT4V_CSV

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def credits_file():
    """Three flagged names, then the 210 credits of the GPT-4V(ision) page."""
    rows = ["section,team,person,role", "Research,Data,Madeline Boyd,Data lead"]
    rows += ['Research,Data,"Lovelace, Ada",', "Research,Evals,José Perez,"]
    credits = GPT4V_CSV.read_text().splitlines()[1:]
    return ("\n".join(rows + credits) + "\n").encode()


def test_an_editor_reviews_every_credit_decides_a_name_and_confirms_at_the_end(
    tab, editor, make_project, make_person
):
    make_project("Vision", "vision", is_published=False)
    boyd = make_person("Madeleine Boyd")
    make_person("Ada Lovelace")
    make_person("José Pérez")

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto("/admin/people/credit/import/")
    tab.page.select_option("#id_project", label="Vision")
    tab.screenshot("import-form")
    tab.page.set_input_files(
        "#id_import_file",
        {"name": "vision.csv", "mimeType": "text/csv", "buffer": credits_file()},
    )
    tab.page.click("input[type=submit]")
    tab.page.wait_for_selector("#new-credits")
    groups = tab.page.locator("#new-credits details summary").all_inner_texts()
    data = tab.page.locator("#new-credits details", has_text="Research › Data (")
    hidden_before = data.locator("li").first.is_visible()
    data.locator("summary").click()
    shown_after = data.locator("li").all_inner_texts()
    tab.page.check(f"input[name=same-person-2][value='{boyd.pk}']")
    tab.screenshot("import-preview-decisions-and-groups")
    bottom = tab.page.locator("input[form=confirm-import][name=confirm]")
    bottom.scroll_into_view_if_needed()
    tab.screenshot("import-preview-confirm-at-the-end", full_page=False)
    bottom.click()
    message = tab.page.locator(".messagelist").inner_text()

    assert len(groups) == 30
    assert groups[:3] == [
        "Research › Data (2)",
        "Research › Evals (1)",
        "Research contributions › (lead lines) (5)",
    ]
    assert not hidden_before
    assert shown_after == ["Row 2: Madeline Boyd — Data lead", "Row 3: Ada Lovelace"]
    assert "Import finished" in message
    assert list(boyd.credits.filter(team__name="Data").values_list("title", flat=True)) == [
        "Data lead"
    ]
    assert list(Alias.objects.values_list("person__name", "name")) == [
        ("Madeleine Boyd", "Madeline Boyd")
    ]
    assert Person.objects.filter(name="José Perez").exists()
    assert tab.csp_violations() == []
