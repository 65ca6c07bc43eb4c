import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError

from people.models import Alias, Credit, Person, PersonRedirect
from people.spreadsheet.apply import import_credits
from people.spreadsheet.format import CreditsError, read_credits
from people.spreadsheet.people import (
    PEOPLE_COLUMNS,
    export_people_csv,
    import_people,
    read_people,
)

pytestmark = pytest.mark.django_db

CHANGELIST_URL = "/admin/people/person/"


@pytest.fixture
def identities(make_person):
    ada = make_person(
        "Ada Lovelace",
        slug="ada-lovelace",
        orcid="0000-0002-1825-0097",
        homepage="https://example.org/ada",
        email="ada@example.org",
    )
    Alias.objects.create(person=ada, name="Augusta Ada King", is_public=True)
    Alias.objects.create(person=ada, name="A. Lovelace")
    PersonRedirect.objects.create(old_slug="augusta-ada-king", person=ada)
    gabriel = make_person("Gabriel García Márquez", family_name="García Márquez")
    make_person("=cmd", slug="cmd", sort_name="Cmd")
    return ada, gabriel


def export_file(tmp_path, name="people.csv"):
    path = tmp_path / name
    call_command("export_people", "-o", str(path))
    return path


def delete_everyone():
    Alias.objects.all().delete()
    PersonRedirect.objects.all().delete()
    Person.objects.all().delete()


def test_export_has_identity_columns_sorted_and_no_email(identities):
    text = export_people_csv(Person.objects.all())

    lines = text.split("\n")
    assert lines[0] == ",".join(PEOPLE_COLUMNS)
    assert lines[1] == "'=cmd,cmd,Cmd,,,,,,"
    assert lines[2].startswith("Gabriel García Márquez,gabriel-garcia-marquez,,García Márquez,")
    assert lines[3] == (
        "Ada Lovelace,ada-lovelace,,,0000-0002-1825-0097,https://example.org/ada,"
        "A. Lovelace,Augusta Ada King,augusta-ada-king"
    )
    assert "ada@example.org" not in text
    assert text.endswith("\n") and "\r" not in text


def test_round_trip_into_an_empty_database_gives_the_same_bytes(identities, tmp_path):
    first = export_file(tmp_path, "first.csv")
    delete_everyone()

    call_command("import_people", str(first))
    second = export_file(tmp_path, "second.csv")

    assert second.read_bytes() == first.read_bytes()
    assert not first.read_bytes().startswith(b"\xef\xbb\xbf")
    ada = Person.objects.get(slug="ada-lovelace")
    assert ada.email == ""
    assert sorted(ada.aliases.values_list("name", "is_public")) == [
        ("A. Lovelace", False),
        ("Augusta Ada King", True),
    ]


def test_credits_using_an_old_spelling_land_on_the_imported_person(
    identities, tmp_path, make_project, make_section
):
    path = export_file(tmp_path)
    delete_everyone()
    project = make_project()
    make_section(project)
    call_command("import_people", str(path))
    people = Person.objects.count()

    rows = read_credits(b"section,team,person,role\nResearch contributions,,Augusta Ada King,\n")
    import_credits(project, rows)

    assert Person.objects.count() == people
    assert Credit.objects.get().person.slug == "ada-lovelace"


def test_import_updates_by_name_adds_spellings_and_never_deletes(make_person):
    ada = make_person("Ada Lovelace", slug="ada", orcid="0000-0002-1825-0097")
    Alias.objects.create(person=ada, name="Ada King")
    data = (
        b"name,slug,sort_name,family_name,orcid,homepage,other_spellings,old_addresses\n"
        b"Ada Lovelace,ada-lovelace,,,,https://example.org/ada,Augusta Ada King,old-ada\n"
    )

    counts = import_people(read_people(data))

    ada.refresh_from_db()
    assert (counts.created, counts.updated, counts.other_spellings) == (0, 1, 1)
    assert ada.slug == "ada"
    assert ada.orcid == "0000-0002-1825-0097"
    assert ada.homepage == "https://example.org/ada"
    assert sorted(ada.aliases.values_list("name", flat=True)) == ["Ada King", "Augusta Ada King"]
    assert sorted(ada.redirects.values_list("old_slug", flat=True)) == ["ada-lovelace", "old-ada"]


def test_reading_names_row_and_column_of_each_problem():
    data = (
        b"name,slug,orcid,homepage\nAda Lovelace,ada,not-an-orcid,javascript:alert(1)\n,empty,,\n"
    )

    with pytest.raises(CreditsError) as error:
        read_people(data)

    located = {(problem.row, problem.column) for problem in error.value.problems}
    assert {(2, "orcid"), (2, "homepage"), (3, "name")} <= located


def test_reading_refuses_windows_1252():
    data = "name,slug\nJosé Pérez,jose-perez\n".encode("cp1252")

    with pytest.raises(CreditsError, match="Windows-1252"):
        read_people(data)


def test_dry_run_writes_nothing(identities, tmp_path):
    path = export_file(tmp_path)
    delete_everyone()

    call_command("import_people", str(path), "--dry-run")

    assert not Person.objects.exists()


def test_a_bad_file_imports_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"name,slug,family_name\nAda Lovelace,ada,Turing\n")

    with pytest.raises(CommandError, match="Row 2, column family_name"):
        call_command("import_people", str(path))

    assert not Person.objects.exists()


def test_admin_action_exports_the_selected_people(editor_client, identities):
    ada, gabriel = identities

    response = editor_client.post(
        CHANGELIST_URL,
        {"action": "export_people_identity", "_selected_action": [ada.pk, gabriel.pk]},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="people-')
    assert response.content == export_people_csv(Person.objects.exclude(slug="cmd")).encode()
    assert b"ada@example.org" not in response.content


def test_admin_action_needs_the_export_permission(client, identities):
    user = User.objects.create_user("viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.force_login(user)

    response = client.get(CHANGELIST_URL)

    assert response.status_code == 200
    assert "export_people_identity" not in response.content.decode()


def test_reading_refuses_a_file_without_the_name_and_slug_columns():
    with pytest.raises(CreditsError, match='missing columns "name", "slug"'):
        read_people(b"person,email\nAda Lovelace,ada@example.org\n")


# Public and private other spellings


def test_a_file_without_public_spellings_adds_private_ones_and_changes_no_flag(make_person):
    ada = make_person("Ada Lovelace", slug="ada")
    Alias.objects.create(person=ada, name="Ada King", is_public=True)
    data = b"name,slug,other_spellings\nAda Lovelace,ada,Ada King | Augusta Ada King\n"

    counts = import_people(read_people(data))

    assert sorted(ada.aliases.values_list("name", "is_public")) == [
        ("Ada King", True),
        ("Augusta Ada King", False),
    ]
    assert (counts.other_spellings, counts.made_public, counts.made_private) == (1, 0, 0)


def test_a_file_with_public_spellings_sets_the_flag_of_existing_ones(make_person):
    ada = make_person("Ada Lovelace", slug="ada")
    Alias.objects.create(person=ada, name="Ada King", is_public=True)
    Alias.objects.create(person=ada, name="A. Lovelace")
    Alias.objects.create(person=ada, name="Countess of Lovelace")
    data = (
        b"name,slug,other_spellings,public_spellings\n"
        b"Ada Lovelace,ada,ADA KING,A. Lovelace | Augusta Ada King\n"
    )

    counts = import_people(read_people(data))

    assert sorted(ada.aliases.values_list("name", "is_public")) == [
        ("A. Lovelace", True),
        ("Ada King", False),
        ("Augusta Ada King", True),
        ("Countess of Lovelace", False),
    ]
    assert str(counts) == (
        "0 people created, 0 updated, 1 unchanged, 1 other spellings and 0 old addresses "
        "added; 1 other spellings made public, 1 made private"
    )
    assert Alias.history.filter(name="Ada King").first().is_public is False


def test_a_spelling_both_private_and_public_is_refused(make_person):
    data = b"name,slug,other_spellings,public_spellings\nAda Lovelace,ada,Ada King,ada king\n"

    with pytest.raises(CreditsError) as error:
        read_people(data)

    [problem] = error.value.problems
    assert (problem.row, problem.column) == (2, "public_spellings")
    assert "“ada king” is both a private and a public spelling" in problem.message
