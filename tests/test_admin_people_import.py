import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from people.import_tasks import prepare_import_preview, run_import_job
from people.merging import merge_people
from people.models import (
    Alias,
    ChangeSet,
    Credit,
    ImportJob,
    ImportPreview,
    ImportUpload,
    NotNamed,
    Person,
    PersonRedirect,
)
from people.spreadsheet.people import PEOPLE_COLUMNS, export_people_csv
from tests.admin_pages import page_text
from tests.spreadsheets import database_rows, empty_the_database

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/people/person/import-people/"
CONFIRM_URL = "/admin/people/person/import-people/confirm/"
CHANGELIST_URL = "/admin/people/person/"
# Most files here are as exported before other spellings could be public: without
# public_spellings, which test_preview_shows_spellings_made_public_or_private adds.
HEADER = ",".join(column for column in PEOPLE_COLUMNS if column != "public_spellings")


def people_file(*rows, header=HEADER):
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(client, data, name="people.csv"):
    return client.post(
        IMPORT_URL, {"people_file": SimpleUploadedFile(name, data, content_type="text/csv")}
    )


def confirm(client, preview):
    """Press "Confirm import" on a preview page."""
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(CONFIRM_URL, data, follow=True)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def ada(make_person):
    ada = make_person("Ada Lovelace", slug="ada-lovelace", orcid="0000-0002-1825-0097")
    Alias.objects.create(person=ada, name="A. Lovelace")
    return ada


def identity(person):
    person.refresh_from_db()
    return (
        person.name,
        person.slug,
        person.orcid,
        person.homepage,
        sorted(person.aliases.values_list("name", flat=True)),
        sorted(person.redirects.values_list("old_slug", flat=True)),
    )


FILE = people_file(
    "Ada Lovelace,ada-lovelace,,,,https://example.org/ada,Augusta Ada King,ada-king",
    "Grace Hopper,grace-hopper,,Hopper,,,Amazing Grace,",
)


# Preview, then confirm


def test_preview_shows_who_is_new_and_what_changes_and_writes_nothing(editor_client, ada):
    before = database_rows()

    preview = upload(editor_client, FILE)

    assert preview.status_code == 200
    text = page_text(preview)
    assert (
        "Importing <strong>people.csv</strong> will make: 1 person created, 1 updated, "
        "0 unchanged, 2 other spellings and 1 old address added."
    ) in text
    assert "<h3>People to be created (1)</h3>" in text
    assert (
        '<td>3</td> <th scope="row">Grace Hopper</th> <td>/people/grace-hopper/</td> <td> '
        '<ul class="changes"> <li>Family name: Hopper</li> '
        "<li>Other spellings: Amazing Grace</li>"
    ) in text
    assert "<h3>People to be changed (1)</h3>" in text
    assert "<li>Homepage: <ins>https://example.org/ada</ins></li>" in text
    assert "<li>Other spellings added: Augusta Ada King</li>" in text
    assert "<li>Old addresses added: ada-king</li>" in text
    assert text.count('value="Confirm import"') == 2
    assert bytes(ImportUpload.objects.get().data) == FILE
    assert {**database_rows(), "people.ImportUpload": 0} == before


def test_confirm_writes_everything_as_one_change_set(editor_client, editor, ada):
    preview = upload(editor_client, FILE)

    done = confirm(editor_client, preview)

    change_set = ChangeSet.objects.get()
    assert done.redirect_chain == [(CHANGELIST_URL, 302)]
    assert messages_of(done) == [
        "Imported people.csv: 1 person created, 1 updated, 0 unchanged, 2 other spellings and "
        f'1 old address added. <a href="/admin/people/changeset/{change_set.pk}/undo/">'
        "Undo this import</a>"
    ]
    assert identity(ada) == (
        "Ada Lovelace",
        "ada-lovelace",
        "0000-0002-1825-0097",
        "https://example.org/ada",
        ["A. Lovelace", "Augusta Ada King"],
        ["ada-king"],
    )
    grace = Person.objects.get(slug="grace-hopper")
    assert (grace.family_name, grace.sort_key) == ("Hopper", "hopper\tgrace")
    assert (change_set.kind, change_set.user, change_set.project) == ("import", editor, None)
    assert change_set.description == "Imported the people of people.csv"
    assert ImportUpload.objects.count() == 0
    record = grace.history.get()
    assert (record.history_user, record.change_set) == (editor, change_set)


def test_an_import_is_undone_as_a_whole(editor_client, ada):
    before = identity(ada)
    confirm(editor_client, upload(editor_client, FILE))
    change_set = ChangeSet.objects.get()

    undone = editor_client.post(f"/admin/people/changeset/{change_set.pk}/undo/", follow=True)

    assert undone.status_code == 200
    assert identity(ada) == before
    assert list(Person.objects.values_list("name", flat=True)) == ["Ada Lovelace"]
    assert not PersonRedirect.objects.exists()


def test_the_exported_file_imports_into_an_empty_database_with_the_same_bytes(
    editor_client, ada, make_person
):
    PersonRedirect.objects.create(old_slug="augusta-ada-king", person=ada)
    make_person("Gabriel García Márquez", family_name="García Márquez")
    exported = export_people_csv(Person.objects.all()).encode()
    Alias.objects.all().delete()
    PersonRedirect.objects.all().delete()
    Person.objects.all().delete()

    confirm(editor_client, upload(editor_client, exported))

    assert export_people_csv(Person.objects.all()).encode() == exported


def test_a_file_that_changes_nothing_has_no_confirm_button_and_keeps_no_upload(editor_client, ada):
    data = people_file("Ada Lovelace,ada-lovelace,,,0000-0002-1825-0097,,A. Lovelace,")

    preview = upload(editor_client, data)

    text = page_text(preview)
    assert "0 people created, 0 updated, 1 unchanged" in text
    assert "there is nothing to import" in text
    assert 'value="Confirm import"' not in text
    assert not ImportUpload.objects.exists()


def test_names_in_the_preview_are_escaped(editor_client):
    data = people_file("<script>alert(1)</script> Evil,evil,,,,,<b>Bold</b> Name,")

    preview = upload(editor_client, data)

    html = preview.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Evil" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; Name" in html


# Errors: named by row and column, and nothing applied


def test_cells_that_cannot_be_read_are_named_by_row_and_column(editor_client, ada):
    data = people_file("Ada Lovelace,ada,,,not-an-orcid,javascript:alert(1),,")
    before = database_rows()

    response = upload(editor_client, data)

    text = page_text(response)
    assert "This file cannot be imported as it is: nothing was written." in text
    assert "Row 2, column orcid:" in text
    assert "Row 2, column homepage:" in text
    assert "Confirm import" not in text
    assert database_rows() == before


def test_rows_that_cannot_be_planned_are_named_by_row_and_column(editor_client, make_person):
    make_person("Jo Smith", slug="jo-smith")
    make_person("Jo Smith", slug="jo-smith-2")
    data = people_file("Ada Lovelace,ada,,Turing,,,,", "Jo Smith,joanna-smith,,,,,,")
    before = database_rows()

    response = upload(editor_client, data)

    text = page_text(response)
    assert "Row 2, column family_name: Write the family name as the name does" in text
    assert (
        "Row 3, column slug: &quot;Jo Smith&quot; is the name or other spelling of 2 people "
        "(jo-smith, jo-smith-2), and the slug joanna-smith is none of theirs"
    ) in text
    assert "Confirm import" not in text
    assert database_rows() == before


def test_a_file_that_is_not_a_people_file_is_refused(editor_client):
    response = upload(editor_client, b"section,team,person,role\nResearch,,Ada Lovelace,\n")

    assert "missing columns &quot;name&quot;, &quot;slug&quot;" in page_text(response)
    assert not ImportUpload.objects.exists()


def test_a_file_over_the_size_limit_is_refused(editor_client, settings):
    settings.IMPORT_MAX_BYTES = 100

    response = upload(editor_client, people_file(*["Ada Lovelace,ada,,,,,,"] * 10))

    assert "the largest file you can import is 100" in page_text(response)
    assert not Person.objects.exists()


def test_confirm_fails_when_the_people_changed_since_the_preview(editor_client, ada):
    preview = upload(editor_client, FILE)
    Person.objects.filter(pk=ada.pk).update(homepage="https://example.org/other")
    before = {**database_rows(), "people.ImportUpload": 0}

    response = confirm(editor_client, preview)

    text = page_text(response)
    assert "Nothing was imported." in text
    assert "The people in the database changed since the preview" in text
    assert database_rows() == before
    assert not Person.objects.filter(slug="grace-hopper").exists()


def test_confirm_fails_when_the_upload_expired_and_an_upload_serves_once(editor_client, ada):
    preview = upload(editor_client, FILE)
    ImportUpload.objects.update(created_at=timezone.now() - timezone.timedelta(days=2))
    before = {**database_rows(), "people.ImportUpload": 0}

    expired = confirm(editor_client, preview)

    assert "The uploaded file is no longer available" in page_text(expired)
    assert database_rows() == before

    preview = upload(editor_client, FILE)
    confirm(editor_client, preview)
    twice = confirm(editor_client, preview)

    assert "The uploaded file is no longer available" in page_text(twice)
    assert ChangeSet.objects.count() == 1


def test_a_tampered_confirmation_imports_nothing(editor_client, ada):
    before = database_rows()

    response = editor_client.post(
        CONFIRM_URL, {"upload": "../../etc/passwd", "digest": "x"}, follow=True
    )

    assert "The confirmation was incomplete; upload again." in page_text(response)
    assert database_rows() == before


# Permissions and the People list


def staff_client(django_user_model, *codenames):
    user = django_user_model.objects.create_user("staff", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "codenames",
    [
        ["view_person", "change_person", "add_person"],
        ["view_person", "import_person", "add_person"],
        ["view_person", "import_person", "change_person"],
    ],
)
def test_importing_people_needs_import_add_and_change_permissions(
    django_user_model, editor_client, ada, codenames
):
    client = staff_client(django_user_model, *codenames)
    preview = upload(editor_client, FILE)
    data = {name: preview.context["confirm_form"].initial[name] for name in ("upload", "digest")}

    refused = [
        client.get(IMPORT_URL).status_code,
        upload(client, FILE).status_code,
        client.post(CONFIRM_URL, data).status_code,
    ]
    changelist = client.get(CHANGELIST_URL)

    assert refused == [403, 403, 403]
    assert IMPORT_URL not in changelist.content.decode()
    assert not Person.objects.filter(slug="grace-hopper").exists()


def test_the_people_list_links_to_the_import_next_to_the_export(editor_client):
    response = editor_client.get(CHANGELIST_URL)

    text = page_text(response)
    assert f'<a href="{IMPORT_URL}">Import people (identity)</a>' in text
    assert (
        text.index('class="export_link"') < text.index(IMPORT_URL) < text.index("Find duplicates")
    )
    assert editor_client.get(IMPORT_URL).status_code == 200


def test_the_import_page_is_laid_out_as_the_credits_import(editor_client):
    response = editor_client.get(IMPORT_URL)

    text = page_text(response)
    assert '<fieldset class="module aligned credits-import-form">' in text
    assert '<label for="id_people_file">People file:</label>' in text
    assert "Largest size: 10.0 MB" in text
    assert '<a href="/admin/people/person/">People</a> &rsaquo; Import people (identity)' in text


# The credits import with the people file beside it


CREDITS_IMPORT_URL = "/admin/people/credit/import/"
CREDITS_CONFIRM_URL = "/admin/people/credit/process_import/"
# The credits of a page that credited "Madeleine Boyd" and "Madelaine Boyd", exported
# before the two were merged; and the people file exported after the merge.
ORIGINAL_CREDITS = b"".join(
    [
        b"section,team,person,role\n",
        b"Research,Data,Madeleine Boyd,\n",
        b"Research,Evaluation,Madelaine Boyd,\n",
    ]
)


@pytest.fixture
def merged_people_file(make_person):
    madeleine = make_person("Madeleine Boyd")
    madelaine = make_person("Madelaine Boyd")
    merge_people(madeleine, [madelaine])
    data = export_people_csv(Person.objects.all()).encode()
    empty_the_database()
    return data


def upload_credits(client, project, credits, people=None):
    data = {
        "project": project.pk,
        "mode": "add",
        "format": "0",
        "import_file": SimpleUploadedFile("credits.csv", credits, content_type="text/csv"),
    }
    if people is not None:
        data["people_file"] = SimpleUploadedFile("people.csv", people, content_type="text/csv")
    return client.post(CREDITS_IMPORT_URL, data)


def preview_credits(client, project, credits, people=None):
    """The credits import's preview page: at once, or once a worker has prepared it."""
    response = upload_credits(client, project, credits, people)
    if response.status_code != 302:
        return response
    prepare_import_preview.call(str(ImportPreview.objects.get().pk))
    return client.get(response["Location"])


def confirm_credits(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(CREDITS_CONFIRM_URL, data, follow=True)


def test_one_preview_shows_the_people_file_and_the_credits(
    editor_client, merged_people_file, make_project
):
    project = make_project("Vision", "vision")
    before = database_rows()

    preview = upload_credits(editor_client, project, ORIGINAL_CREDITS, merged_people_file)

    text = page_text(preview)
    assert (
        "Importing <strong>credits.csv</strong> with the people of <strong>people.csv</strong> "
        "into <strong>Vision</strong> (add mode) will make: 2 new credits, 0 unchanged; "
        "1 new section, 2 new teams; from the people file: 1 person created, 0 updated, "
        "0 unchanged, 1 other spelling and 1 old address added."
    ) in text
    assert "<h3>People to be created (1)</h3>" in text
    assert "<li>Other spellings: Madelaine Boyd</li>" in text
    assert 'id="new-people"' not in text
    # Row 3's "Madelaine Boyd" is the other spelling the people file gives Madeleine Boyd.
    assert '<span class="row">Row 3:</span> Madeleine Boyd</li>' in text
    assert '<th scope="row">New people</th><td>0</td>' in text
    assert sorted(bytes(upload.data) for upload in ImportUpload.objects.all()) == sorted(
        [ORIGINAL_CREDITS, merged_people_file]
    )
    assert {**database_rows(), "people.ImportUpload": 0} == before


def test_confirming_writes_both_files_as_one_change_set(
    editor_client, merged_people_file, make_project
):
    project = make_project("Vision", "vision")
    preview = upload_credits(editor_client, project, ORIGINAL_CREDITS, merged_people_file)

    done = confirm_credits(editor_client, preview)

    assert messages_of(done) == [
        'Import finished for "Vision": 2 new credits, 0 unchanged; 1 new section, 2 new teams; '
        "from the people file: 1 person created, 0 updated, 0 unchanged, 1 other spelling and "
        "1 old address added."
    ]
    person = Person.objects.get()
    assert identity(person) == (
        "Madeleine Boyd",
        "madeleine-boyd",
        "",
        "",
        ["Madelaine Boyd"],
        ["madelaine-boyd"],
    )
    assert Credit.objects.filter(person=person).count() == 2
    change_set = ChangeSet.objects.get(kind="import")
    assert change_set.description == (
        "Imported credits.csv with the people of people.csv into Vision"
    )
    assert not ImportUpload.objects.exists()

    editor_client.post(f"/admin/people/changeset/{change_set.pk}/undo/")

    assert not Person.objects.exists()
    assert not Credit.objects.exists()


def test_a_bad_people_file_is_an_error_of_its_field_and_nothing_is_kept(
    editor_client, make_project
):
    project = make_project("Vision", "vision")
    before = database_rows()

    response = upload_credits(
        editor_client, project, ORIGINAL_CREDITS, people_file("Madeleine Boyd,,,,,,,")
    )

    assert response.context["form"].errors == {
        "people_file": ["Row 2, column slug: the slug is empty."]
    }
    assert "confirm_form" not in response.context
    assert database_rows() == before


def test_credits_confirm_fails_when_the_people_changed_since_the_preview(
    editor_client, merged_people_file, make_project, make_person
):
    project = make_project("Vision", "vision")
    preview = upload_credits(editor_client, project, ORIGINAL_CREDITS, merged_people_file)
    make_person("Madeleine Boyd", slug="someone-else")
    before = {**database_rows(), "people.ImportUpload": 0}

    response = confirm_credits(editor_client, preview)

    assert "Nothing was imported." in page_text(response)
    assert "changed since the preview" in page_text(response)
    assert database_rows() == before


@pytest.mark.parametrize("background", [False, True])
def test_without_the_people_permissions_the_credits_form_has_no_people_file(
    django_user_model, editor_client, merged_people_file, make_project, settings, background
):
    if background:
        settings.IMPORT_BACKGROUND_ROWS = 2
    project = make_project("Vision", "vision")
    credits_only = staff_client(
        django_user_model, "view_credit", "add_credit", "import_credit", "view_person"
    )
    preview = preview_credits(editor_client, project, ORIGINAL_CREDITS, merged_people_file)
    forged = {
        name: preview.context["confirm_form"].initial.get(name, "")
        for name in preview.context["confirm_form"].fields
    }

    form = credits_only.get(CREDITS_IMPORT_URL)
    refused = credits_only.post(CREDITS_CONFIRM_URL, forged)

    assert "people_file" not in form.context["form"].fields
    assert "People file" not in page_text(form)
    assert refused.status_code == 403
    assert not Person.objects.exists()
    assert not ImportJob.objects.exists()


def test_a_large_import_takes_its_people_file_to_the_background_task(
    editor_client, merged_people_file, make_project, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    project = make_project("Vision", "vision")
    preview = preview_credits(editor_client, project, ORIGINAL_CREDITS, merged_people_file)
    assert "People to be created (1)" in page_text(preview)
    form = preview.context["confirm_form"]
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            CREDITS_CONFIRM_URL, {name: form.initial.get(name, "") for name in form.fields}
        )
    job = ImportJob.objects.get()
    assert not Person.objects.exists()

    run_import_job.call(str(job.pk))

    job.refresh_from_db()
    assert job.error == ""
    assert list(Person.objects.values_list("name", flat=True)) == ["Madeleine Boyd"]
    assert Credit.objects.count() == 2
    assert ChangeSet.objects.get(kind="import").description.startswith(
        "Imported credits.csv with the people"
    )
    assert not ImportUpload.objects.exists()


def test_a_people_file_that_cannot_be_planned_is_named_in_the_credits_preview(
    editor_client, make_project, make_person
):
    project = make_project("Vision", "vision")
    make_person("Jo Smith", slug="jo-smith")
    make_person("Jo Smith", slug="jo-smith-2")
    before = database_rows()

    response = upload_credits(
        editor_client, project, ORIGINAL_CREDITS, people_file("Jo Smith,joanna-smith,,,,,,")
    )

    assert response.context["credits_errors"] == [
        'people.csv: Row 2, column slug: "Jo Smith" is the name or other spelling of 2 people '
        "(jo-smith, jo-smith-2), and the slug joanna-smith is none of theirs: give the slug of "
        "the one it is."
    ]
    assert "Nothing was imported." in page_text(response)
    assert database_rows() == before


@pytest.mark.parametrize("people", [5, 100])
def test_preview_and_confirm_take_a_fixed_number_of_queries(
    editor_client, make_person, django_assert_max_num_queries, people
):
    for number in range(people):
        make_person(f"Known Person {number:03}", slug=f"known-{number:03}")
    rows = [
        f"Known Person {n:03},known-{n:03},,,,https://example.org/{n},Known {n:03},"
        for n in range(people)
    ]
    rows += [f"New Person {n:03},new-{n:03},,,,,,old-{n:03}" for n in range(people)]
    data = people_file(*rows)

    # 12 and 38 queries, for 10 people as for 200 (the confirmation follows the redirect).
    with django_assert_max_num_queries(12):
        preview = upload(editor_client, data)
    with django_assert_max_num_queries(38):
        confirm(editor_client, preview)

    assert Person.objects.count() == 2 * people
    assert Alias.objects.count() == people
    assert PersonRedirect.objects.count() == people


def test_preview_shows_spellings_made_public_or_private(editor_client, ada):
    Alias.objects.create(person=ada, name="Ada King", is_public=True)
    data = people_file(
        "Ada Lovelace,ada-lovelace,,,,,Ada King,Augusta Ada King,",
        header=",".join(PEOPLE_COLUMNS),
    )

    text = page_text(upload(editor_client, data))
    confirm(editor_client, upload(editor_client, data))

    assert "Shown publicly (“also credited as”): Augusta Ada King" in text
    assert "Made private: Ada King" in text
    assert sorted(ada.aliases.values_list("name", "is_public")) == [
        ("A. Lovelace", False),
        ("Ada King", False),
        ("Augusta Ada King", True),
    ]


# Choices about being named


NAMING_HEADER = "name,slug,never_listed,not_named_on"


def test_preview_shows_the_choices_about_being_named_and_undo_takes_them_back(
    editor_client, ada, make_person, make_project
):
    make_project("Vision", "vision")
    make_project("Other <work>", "other")
    data = people_file(
        "Ada Lovelace,ada-lovelace,,other | vision",
        "Grace Hopper,grace-hopper,yes,",
        header=NAMING_HEADER,
    )

    text = page_text(upload(editor_client, data))
    confirm(editor_client, upload(editor_client, data))
    choices = (
        sorted(NotNamed.objects.values_list("person__slug", "project__slug")),
        list(Person.objects.filter(never_listed=True).values_list("slug", flat=True)),
    )
    editor_client.post(f"/admin/people/changeset/{ChangeSet.objects.get().pk}/undo/")

    assert (
        "1 person created, 1 updated, 0 unchanged, 0 other spellings and 0 old addresses "
        "added; 1 person never listed, 2 choices not to be named on a project."
    ) in text
    assert '<th scope="row">People never listed</th><td>1</td>' in text
    assert '<th scope="row">Choices not to be named on a project</th><td>2</td>' in text
    assert "<li>Never listed: yes</li>" in text
    assert "<li>Not named on: Other &lt;work&gt;, Vision</li>" in text
    assert choices == ([("ada-lovelace", "other"), ("ada-lovelace", "vision")], ["grace-hopper"])
    assert not NotNamed.objects.exists()
    assert list(Person.objects.values_list("slug", "never_listed")) == [("ada-lovelace", False)]


def test_a_project_that_does_not_exist_is_named_by_row_and_column(editor_client, ada):
    data = people_file("Ada Lovelace,ada-lovelace,,nowhere", header=NAMING_HEADER)
    before = database_rows()

    response = upload(editor_client, data)

    text = page_text(response)
    assert "Row 2, column not_named_on: no project has the address “nowhere”." in text
    assert "Confirm import" not in text
    assert database_rows() == before
