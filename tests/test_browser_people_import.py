"""The people file's import in a real browser: from the People list to a confirmed import."""

import pytest

from people.models import Alias, ChangeSet, Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PEOPLE_FILE = (
    b"name,slug,sort_name,family_name,orcid,homepage,other_spellings,old_addresses\n"
    b"Ada Lovelace,ada-lovelace,,,,https://example.org/ada,Augusta Ada King,ada-king\n"
    b"Grace Hopper,grace-hopper,,Hopper,,,Amazing Grace,\n"
)


def test_an_editor_imports_a_people_file_from_the_people_list(tab, editor, make_person):
    ada = make_person("Ada Lovelace", slug="ada-lovelace", orcid="0000-0002-1825-0097")

    tab.sign_in("editor", "editor-password-123")
    tab.page.goto("/admin/people/person/")
    tab.page.click("text=Import people (identity)")
    tab.screenshot("people-import-form")
    tab.page.set_input_files(
        "#id_people_file", {"name": "people.csv", "mimeType": "text/csv", "buffer": PEOPLE_FILE}
    )
    tab.page.click("input[type=submit]")
    tab.page.wait_for_selector("#people-changed")
    created = tab.page.locator("#people-created tbody tr").all_inner_texts()
    changed = tab.page.locator("#people-changed tbody tr").all_inner_texts()
    tab.screenshot("people-import-preview")
    tab.page.locator("input[form=confirm-import][name=confirm]").click()
    message = tab.page.locator(".messagelist").inner_text()

    assert [" ".join(row.split()) for row in created] == [
        "3 Grace Hopper /people/grace-hopper/ Family name: Hopper Other spellings: Amazing Grace"
    ]
    assert [" ".join(row.split()) for row in changed] == [
        "2 Ada Lovelace /people/ada-lovelace/ Homepage: https://example.org/ada "
        "Other spellings added: Augusta Ada King Old addresses added: ada-king"
    ]
    assert message.startswith("Imported people.csv: 1 person created, 1 updated")
    assert "Undo this import" in message
    assert sorted(Person.objects.values_list("name", flat=True)) == ["Ada Lovelace", "Grace Hopper"]
    assert Alias.objects.get(person=ada).name == "Augusta Ada King"
    assert ChangeSet.objects.get().description == "Imported the people of people.csv"
    assert tab.csp_violations() == []
