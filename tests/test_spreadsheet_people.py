from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError

from people.changesets.undo import undo
from people.merging import merge_people
from people.models import (
    Alias,
    ChangeSet,
    Credit,
    DistinctPair,
    NotNamed,
    Person,
    PersonRedirect,
    Project,
    Section,
    Team,
    Version,
)
from people.spreadsheet.apply import import_credits
from people.spreadsheet.format import CreditsError, read_credits
from people.spreadsheet.people import (
    PEOPLE_COLUMNS,
    export_people_csv,
    import_people,
    read_people,
)
from people.versions import publish
from tests.html_tree import parse

pytestmark = pytest.mark.django_db

CHANGELIST_URL = "/admin/people/person/"


@pytest.fixture
def identities(make_person, make_project):
    """Ada Lovelace, not named on the projects Vision and Other work; Gabriel García
    Márquez, never listed; and a name that starts like a spreadsheet formula."""
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
    for project in [make_project("Vision", "vision"), make_project("Other work", "other")]:
        NotNamed.objects.create(project=project, person=ada)
    gabriel = make_person("Gabriel García Márquez", family_name="García Márquez", never_listed=True)
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
    assert lines[1] == "'=cmd,cmd,Cmd,,,,,,,,"
    assert lines[2] == "Gabriel García Márquez,gabriel-garcia-marquez,,García Márquez,,,,,,yes,"
    assert lines[3] == (
        "Ada Lovelace,ada-lovelace,,,0000-0002-1825-0097,https://example.org/ada,"
        "A. Lovelace,Augusta Ada King,augusta-ada-king,,other | vision"
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
    assert sorted(ada.not_named.values_list("project__slug", flat=True)) == ["other", "vision"]
    assert list(Person.objects.filter(never_listed=True).values_list("slug", flat=True)) == [
        "gabriel-garcia-marquez"
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
        "0 people created, 1 updated, 0 unchanged, 1 other spelling and 0 old addresses "
        "added; 2 other spellings shown publicly, 1 made private"
    )
    assert Alias.history.filter(name="Ada King").first().is_public is False


def test_a_spelling_both_private_and_public_is_refused(make_person):
    data = b"name,slug,other_spellings,public_spellings\nAda Lovelace,ada,Ada King,ada king\n"

    with pytest.raises(CreditsError) as error:
        read_people(data)

    [problem] = error.value.problems
    assert (problem.row, problem.column) == (2, "public_spellings")
    assert "“ada king” is both a private and a public spelling" in problem.message


# Choices about being named (people/naming.py)


@pytest.fixture
def named_on_vision(make_project, make_section, make_team, make_credit):
    """The published page Vision, its team Data crediting Jane Doe, Sam Roe and Ann Young."""
    project = make_project("Vision", "vision")
    data = make_team(make_section(project, "Research"), "Data")
    for name in ["Ann Young", "Jane Doe", "Sam Roe"]:
        make_credit(name, team=data)
    publish(project)
    return project


def data_team(client):
    page = parse(client.get("/credits/vision/").text)
    return page.by_id("research--data").find("ul", "names").text()


NAMING_FILE = (
    b"name,slug,never_listed,not_named_on\n"
    b"Ann Young,ann-young,,\n"
    b"Jane Doe,jane-doe,,vision\n"
    b"Sam Roe,sam-roe,yes,\n"
)


def test_the_preview_lists_the_choices_and_the_import_applies_them_at_once(
    client, named_on_vision, tmp_path
):
    path = tmp_path / "people.csv"
    path.write_bytes(NAMING_FILE)
    before = data_team(client)

    preview = StringIO()
    call_command("import_people", str(path), "--dry-run", stdout=preview)
    unchanged = data_team(client)
    call_command("import_people", str(path), stdout=StringIO())

    assert preview.getvalue() == (
        "Choices about being named (2):\n"
        "  row 3: Jane Doe (/jane-doe/): not named on: Vision\n"
        "  row 4: Sam Roe (/sam-roe/): never listed: yes\n"
        f"Dry run: importing {path} would make 0 people created, 2 updated, 1 unchanged, "
        "0 other spellings and 0 old addresses added; 1 person never listed, 1 choice not to "
        "be named on a project. Nothing was written.\n"
    )
    assert before == unchanged == "Jane Doe, Sam Roe, Ann Young"
    assert data_team(client) == "Ann Young and 2 others"
    assert list(NotNamed.objects.values_list("person__slug", "project__slug")) == [
        ("jane-doe", "vision")
    ]
    assert Person.objects.get(slug="sam-roe").never_listed


def test_empty_cells_and_old_files_never_name_anyone_again(client, named_on_vision):
    choices = import_people(read_people(NAMING_FILE)).change_set
    empty = b"name,slug,never_listed,not_named_on\nJane Doe,jane-doe,,\nSam Roe,sam-roe,,\n"
    old = b"name,slug,other_spellings,old_addresses\nJane Doe,jane-doe,,\nSam Roe,sam-roe,,\n"

    plans = [import_people(read_people(data)) for data in [empty, old, NAMING_FILE]]

    assert [plan.unchanged for plan in plans] == [2, 2, 3]
    assert ChangeSet.objects.get() == choices
    assert data_team(client) == "Ann Young and 2 others"


def test_a_project_that_does_not_exist_is_refused_and_nothing_is_written(named_on_vision):
    data = (
        b"name,slug,never_listed,not_named_on\n"
        b"Ann Young,ann-young,yes,\n"
        b"Jane Doe,jane-doe,,vision | elsewhere\n"
    )

    with pytest.raises(CreditsError) as error:
        import_people(read_people(data))

    [problem] = error.value.problems
    assert (problem.row, problem.column) == (3, "not_named_on")
    assert problem.message.startswith("no project has the address “elsewhere”.")
    assert not NotNamed.objects.exists()
    assert not Person.objects.filter(never_listed=True).exists()
    assert not ChangeSet.objects.exists()


def test_never_listed_is_yes_or_empty(named_on_vision):
    data = b"name,slug,never_listed,not_named_on\nAnn Young,ann-young,no,\nSam Roe,sam roe,YES,\n"

    with pytest.raises(CreditsError) as error:
        read_people(data)

    assert [(problem.row, problem.column) for problem in error.value.problems] == [
        (2, "never_listed"),
        (3, "slug"),
    ]
    assert error.value.problems[0].message == (
        "write “yes” for a person never listed, or leave the cell empty."
    )


def test_undoing_the_import_names_the_people_again_at_once(client, named_on_vision):
    change_set = import_people(read_people(NAMING_FILE)).change_set
    hidden = data_team(client)

    undo(change_set)

    assert hidden == "Ann Young and 2 others"
    assert data_team(client) == "Jane Doe, Sam Roe, Ann Young"
    assert not NotNamed.objects.exists()
    assert not Person.objects.filter(never_listed=True).exists()
    assert NotNamed.history.filter(change_set=change_set).count() == 1


# Credits and people moved together (import_credits --people)


def start_afresh():
    """Empty the database of credits and people, as another database would be."""
    Credit.objects.all().delete()
    Team.objects.all().delete()
    Section.objects.all().delete()
    Project.objects.all().delete()
    DistinctPair.objects.all().delete()
    delete_everyone()


@pytest.fixture
def merged_boyd(tmp_path, make_project, make_section, make_team, make_person, make_credit):
    """A page crediting "Madeleine Boyd" and "Madelaine Boyd", exported, then the two merged.

    Returns the paths of the credits file from before the merge, and of the credits and
    people files exported after it.
    """
    section = make_section(make_project("Vision", "vision"), "Research")
    madeleine = make_person("Madeleine Boyd", orcid="0000-0002-1825-0097")
    madelaine = make_person("Madelaine Boyd")
    make_credit(madeleine, team=make_team(section, "Data"))
    make_credit(madelaine, team=make_team(section, "Evaluation"))
    paths = {name: tmp_path / f"{name}.csv" for name in ("original", "credits", "people")}
    call_command("export_credits", "--project", "vision", "-o", str(paths["original"]))

    merge_people(madeleine, [madelaine])
    call_command("export_credits", "--project", "vision", "-o", str(paths["credits"]))
    call_command("export_people", "-o", str(paths["people"]))
    start_afresh()
    call_command("create_project", "vision", "--title", "Vision", stdout=StringIO())
    return paths


def import_with_people(credits, people, *args):
    out = StringIO()
    call_command(
        "import_credits",
        str(credits),
        "--project",
        "vision",
        "--people",
        str(people),
        *args,
        stdout=out,
    )
    return out.getvalue()


@pytest.mark.parametrize("credits", ["original", "credits"])
def test_credits_imported_with_the_people_file_land_on_one_merged_person(merged_boyd, credits):
    changes_before = ChangeSet.objects.count()

    output = import_with_people(merged_boyd[credits], merged_boyd["people"])

    person = Person.objects.get()
    assert (person.name, person.slug, person.orcid) == (
        "Madeleine Boyd",
        "madeleine-boyd",
        "0000-0002-1825-0097",
    )
    assert list(person.aliases.values_list("name", flat=True)) == ["Madelaine Boyd"]
    assert list(person.redirects.values_list("old_slug", flat=True)) == ["madelaine-boyd"]
    assert Credit.objects.filter(person=person).count() == 2
    assert ChangeSet.objects.count() == changes_before + 1
    assert "People file: 1 person created, 0 updated, 0 unchanged" in output
    assert "0 new people" not in output and "new person" not in output


def test_without_the_people_file_the_merged_spelling_comes_back_as_a_new_person(merged_boyd):
    call_command(
        "import_credits", str(merged_boyd["original"]), "--project", "vision", stdout=StringIO()
    )

    assert sorted(Person.objects.values_list("name", flat=True)) == [
        "Madelaine Boyd",
        "Madeleine Boyd",
    ]


def test_credits_and_people_moved_together_export_the_same_bytes(merged_boyd, tmp_path):
    import_with_people(merged_boyd["original"], merged_boyd["people"])

    call_command("export_credits", "--project", "vision", "-o", str(tmp_path / "again.csv"))
    call_command("export_people", "-o", str(tmp_path / "people-again.csv"))

    assert (tmp_path / "again.csv").read_bytes() == merged_boyd["credits"].read_bytes()
    assert (tmp_path / "people-again.csv").read_bytes() == merged_boyd["people"].read_bytes()


def test_credits_and_people_imported_together_are_undone_together(merged_boyd):
    import_with_people(merged_boyd["original"], merged_boyd["people"])
    change_set = ChangeSet.objects.latest("pk")

    undo(change_set)

    assert (
        change_set.description == "Imported original.csv with the people of people.csv into Vision"
    )
    assert not Credit.objects.exists()
    assert not Person.objects.exists()
    assert not Alias.objects.exists()
    assert not PersonRedirect.objects.exists()


def test_a_dry_run_with_the_people_file_shows_both_and_writes_nothing(merged_boyd):
    output = import_with_people(merged_boyd["original"], merged_boyd["people"], "--dry-run")

    assert "People created (1):\n  row 2: Madeleine Boyd (/madeleine-boyd/)" in output
    assert "Dry run: importing " in output
    assert (
        "would make 2 new credits, 0 unchanged; 1 new section, 2 new teams; from the people"
        in output
    )
    assert (
        "from the people file: 1 person created, 0 updated, 0 unchanged, 1 other spelling and "
        "1 old address added. Nothing was written."
    ) in output
    assert not Person.objects.exists()
    assert not Credit.objects.exists()


def test_a_bad_people_file_imports_neither_file(merged_boyd, tmp_path):
    bad = tmp_path / "bad-people.csv"
    bad.write_bytes(b"name,slug,orcid\nMadeleine Boyd,madeleine-boyd,0000-0000-0000-0000x\n")

    with pytest.raises(CommandError) as error:
        import_with_people(merged_boyd["original"], bad)

    assert "bad-people.csv: nothing was imported.\nRow 2, column orcid" in str(error.value)
    assert not Person.objects.exists()
    assert not Credit.objects.exists()


def test_a_bad_credits_file_imports_neither_file(merged_boyd, tmp_path):
    bad = tmp_path / "bad-credits.csv"
    bad.write_bytes(b"section,team,person,role\nResearch,Data,,\n")

    with pytest.raises(CommandError, match="Row 2, column person"):
        import_with_people(bad, merged_boyd["people"])

    assert not Person.objects.exists()
    assert not ChangeSet.objects.filter(description__contains="people.csv").exists()


def test_a_new_name_like_a_person_of_the_people_file_is_flagged_without_a_decision(
    make_project,
):
    project = make_project()
    people = read_people(b"name,slug\nMadeleine Boyd,madeleine-boyd\n")
    rows = read_credits(b"section,team,person,role\nResearch,,Madeline Boyd,\n")
    preview = import_credits(project, rows, people=people, dry_run=True)

    import_credits(project, rows, people=people, expected_digest=preview.digest())

    [newcomer] = preview.newcomers
    assert (newcomer.person.name, newcomer.look_alike, newcomer.same_as) == (
        "Madeline Boyd",
        "Madeleine Boyd",
        None,
    )
    assert sorted(Person.objects.values_list("name", flat=True)) == [
        "Madeleine Boyd",
        "Madeline Boyd",
    ]


# Who a row is


def test_two_people_of_one_name_stay_two(make_person):
    make_person("Jo Smith", slug="jo-smith", orcid="0000-0002-1825-0097")
    data = b"name,slug,orcid\nJo Smith,jo-smith,\nJo Smith,jo-smith-2,0000-0001-5109-3700\n"

    plan = import_people(read_people(data))

    assert (plan.created, plan.updated, plan.unchanged) == (1, 0, 1)
    assert sorted(Person.objects.values_list("slug", "orcid")) == [
        ("jo-smith", "0000-0002-1825-0097"),
        ("jo-smith-2", "0000-0001-5109-3700"),
    ]


def test_a_row_is_the_person_with_its_slug_and_renames_them(make_person):
    ada = make_person("Augusta Ada King", slug="ada")

    plan = import_people(read_people(b"name,slug,other_spellings\nAda Lovelace,ada,\n"))

    ada.refresh_from_db()
    assert [change.column for change in plan.changed[0].fields] == ["name"]
    assert (ada.name, ada.sort_key) == ("Ada Lovelace", "lovelace\tada")
    assert Person.objects.count() == 1


def test_a_row_is_the_person_whose_old_address_its_slug_is(make_person):
    ada = make_person("Ada Lovelace", slug="ada-lovelace")
    PersonRedirect.objects.create(old_slug="ada-king", person=ada)

    plan = import_people(read_people(b"name,slug,homepage\nAda King,ada-king,https://ada.org\n"))

    ada.refresh_from_db()
    assert (plan.created, plan.updated) == (0, 1)
    assert (ada.name, ada.homepage) == ("Ada King", "https://ada.org")


def test_a_new_person_whose_slug_is_an_old_address_of_someone_else_gets_a_free_one(
    make_person,
):
    grace = make_person("Grace Hopper", slug="grace")
    PersonRedirect.objects.create(old_slug="ada", person=grace)

    plan = import_people(read_people(b"name,slug\nGrace Hopper,grace\nAda Lovelace,ada\n"))

    assert (plan.created, plan.unchanged) == (1, 1)
    assert Person.objects.get(name="Ada Lovelace").slug == "ada-lovelace"
    assert list(grace.redirects.values_list("old_slug", flat=True)) == ["ada"]


def test_people_not_named_stay_unnamed_when_moved_with_their_credits(
    client, named_on_vision, tmp_path
):
    jane, sam = Person.objects.get(slug="jane-doe"), Person.objects.get(slug="sam-roe")
    NotNamed.objects.create(project=named_on_vision, person=jane)
    sam.never_listed = True
    sam.save()
    credits, people = tmp_path / "credits.csv", tmp_path / "people.csv"
    call_command("export_credits", "--project", "vision", "-o", str(credits))
    call_command("export_people", "-o", str(people))
    Version.objects.all().delete()
    start_afresh()
    call_command("create_project", "vision", "--title", "Vision", stdout=StringIO())

    output = import_with_people(credits, people)
    publish(Project.objects.get())

    assert (
        "People created (3):\n"
        "  row 2: Jane Doe (/jane-doe/); not named on: Vision\n"
        "  row 3: Sam Roe (/sam-roe/); never listed: yes\n"
        "  row 4: Ann Young (/ann-young/)\n"
        "People who asked not to be named (2):\n"
    ) in output
    assert data_team(client) == "Ann Young and 2 others"
    page = client.get("/credits/vision/").text
    for hidden in ["Jane Doe", "jane-doe", "Sam Roe", "sam-roe"]:
        assert hidden not in page
    assert client.get("/people/sam-roe/").status_code == 404
    assert (tmp_path / "people.csv").read_bytes() == export_people_csv(
        Person.objects.all()
    ).encode()
