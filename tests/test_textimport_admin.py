"""The admin's "Import a page's text" screen, as an editor uses it."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from people.models import Credit, ImportUpload, Person, Project, Section
from people.spreadsheet.export import export_credits_csv
from people.spreadsheet.plan import ADD, SYNC
from tests.conftest import load_gpt4v
from tests.html_tree import parse
from tests.seed import SEED_PATH
from tests.spreadsheets import database_rows

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:people_project_import_text")
CONFIRM = reverse("admin:people_project_import_text_confirm")
DOWNLOAD = reverse("admin:people_project_import_text_csv")
SEED = SEED_PATH.read_text(encoding="utf-8")
TYPED = {
    "heading-27": "Data",
    "heading-88": "Design",
    "heading-95": "",
    "heading-97": "Communications",
    "heading-105": "Legal",
}


def paste(client, project, text, mode=ADD, **data):
    return client.post(
        IMPORT, {"project": project.pk, "mode": mode, "text": text, "format": "", **data}
    )


def preview_data(response, **headings):
    """The preview form's fields as the browser sends them, with headings typed in."""
    form = response.context["preview"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    document = response.context["document"]
    data.update({f"heading-{group.line}": group.heading for _s, group in document.lost_headings})
    data.update(headings)
    return data


def text(response):
    return parse(response.content.decode()).text()


def element(response, id_):
    """The text of the element with this id, as a reader sees it."""
    return parse(response.content.decode()).by_id(id_).text()


@pytest.fixture
def project(make_project):
    return make_project(
        "GPT-4V(ision) technical work and authors", "gpt-4v-text", is_published=False
    )


def test_the_project_list_links_to_the_screen(editor_client):
    response = editor_client.get(reverse("admin:people_project_changelist"))

    assert f'href="{IMPORT}"' in response.content.decode()
    assert "Import a page’s text" in response.content.decode()


def test_staff_without_the_import_permission_get_403(client, project):
    client.force_login(User.objects.create_user("viewer", is_staff=True))

    assert client.get(IMPORT).status_code == 403
    assert paste(client, project, SEED).status_code == 403
    assert client.post(CONFIRM, {}).status_code == 403


def test_the_preview_shows_what_was_read_and_writes_nothing(editor_client, project):
    before = database_rows()

    response = paste(editor_client, project, SEED)

    assert response.status_code == 200
    lost = element(response, "lost-headings")
    assert (
        "Line 27: a group without a heading after ‘Distributed training infrastructure’ "
        "(line 24) — heading lost? (10 names: Alex Karpenko…)" in lost
    )
    assert "Line 95: names directly under the section ‘Additional contributions’ (line 93)" in lost
    assert lost.count("heading lost?") == 5
    checked = parse(response.content.decode()).by_id("uncertain-lines").find_all("tr")
    rows = [[cell.text() for cell in row.children if not isinstance(cell, str)] for row in checked]
    assert ["1", "Skip to main content", "page navigation: left out"] in rows
    assert rows[2][0] == "5"
    assert rows[2][2].startswith("announces a list that does not follow (links lost?)")
    extras = parse(response.content.decode()).by_id("extra-fields").find_all("tr")
    fields = [[cell.text() for cell in row.children if not isinstance(cell, str)] for row in extras]
    assert ["Citation", "OpenAI (2023)", "sets it"] in fields
    assert ["Assembled by", "Raul Puri", "sets it"] in fields
    assert [row[0] for row in fields] == [
        "Field",
        "Intro",
        "Closing text",
        "Citation",
        "Assembled by",
    ]
    assert "Named (25): Sally Applin, Gerardo Adesso" in element(response, "extra-acknowledgments")
    assert "Line 57: Madelaine Boyd — did you mean Madeline Boyd (line 30)?" in element(
        response, "new-people"
    )
    assert "New credits210Unchanged credits0" in element(response, "import-counts")
    assert 'value="Confirm import"' in response.content.decode()
    stored = ImportUpload.objects.get()
    assert database_rows() == {**before, "people.ImportUpload": 1}
    assert bytes(stored.data).decode() == SEED


def test_typed_headings_show_in_the_next_preview_and_are_imported(editor_client, make_project):
    gpt4v = load_gpt4v()  # first: its ids are fixed
    project = make_project(gpt4v.title, "gpt-4v-text", is_published=False)
    preview = paste(editor_client, project, SEED)

    again = editor_client.post(IMPORT, preview_data(preview, **TYPED))
    confirmed = editor_client.post(CONFIRM, preview_data(again), follow=True)

    assert "Data — heading lost?" in text(again)
    assert [m.message for m in confirmed.context["messages"]][0].startswith(
        f'Imported into "{project}": 210 new credits'
    )
    assert export_credits_csv(project) == export_credits_csv(gpt4v)
    assert not ImportUpload.objects.exists()
    log = LogEntry.objects.filter(object_id=str(project.pk)).order_by("pk")
    assert [entry.get_change_message() for entry in log] == [
        "Imported credits from pasted text (add mode): 210 new credits, 0 unchanged; "
        "4 new sections, 25 new teams.",
        "Imported from pasted text besides the credits: intro, closing text, citation, "
        "assembled by, 3 new acknowledgments.",
    ]


def test_the_downloaded_csv_imported_through_the_csv_import_gives_the_same_credits(
    editor_client, make_project
):
    direct = make_project("Direct", "direct", is_published=False)
    through_csv = make_project("Through CSV", "through-csv", is_published=False)
    preview = paste(editor_client, direct, SEED)
    data = preview_data(preview, **TYPED)

    download = editor_client.post(DOWNLOAD, data)
    editor_client.post(CONFIRM, preview_data(editor_client.post(IMPORT, data)))
    people_after_direct = set(Person.objects.values_list("name", flat=True))
    csv_preview = editor_client.post(
        reverse("admin:people_credit_import"),
        {
            "project": through_csv.pk,
            "mode": ADD,
            "format": "0",
            "import_file": SimpleUploadedFile(
                "credits.csv", download.content, content_type="text/csv"
            ),
        },
    )
    form = csv_preview.context["confirm_form"]
    editor_client.post(
        reverse("admin:people_credit_process_import"),
        {name: form.initial.get(name, "") for name in form.fields},
    )

    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"].startswith('attachment; filename="direct-from-text-')
    assert download.content.decode().startswith(
        "section,team,person,role\n"
        "Research contributions,,Jamie Kiros,Deployment research & evals lead\n"
    )
    assert ",Data,Alex Karpenko,\n" in download.content.decode()
    assert export_credits_csv(through_csv) == export_credits_csv(direct)
    assert (
        Credit.objects.filter(team__section__project=through_csv).count()
        + Credit.objects.filter(section__project=through_csv).count()
        == 210
    )
    assert set(Person.objects.values_list("name", flat=True)) == people_after_direct


def test_a_change_since_the_preview_stops_the_import(editor_client, project):
    preview = paste(editor_client, project, SEED)
    Section.objects.create(project=project, title="Research contributions")
    before = database_rows()

    response = editor_client.post(CONFIRM, preview_data(preview))

    assert "Nothing was imported." in text(response)
    assert "The project changed since the preview" in text(response)
    assert database_rows() == before


def test_sync_mode_lists_what_it_removes(
    editor_client, project, make_section, make_team, make_credit
):
    team = make_team(make_section(project, "Old section"), "Old team")
    make_credit("Zora Old", team=team)

    response = paste(editor_client, project, "Research\nAda Lovelace, Grace Hopper\n", mode=SYNC)

    assert "Section: Old section" in element(response, "removed-places")
    assert "Zora Old" in element(response, "removed-credits")


def test_an_upload_of_a_saved_web_page_is_read_as_html(editor_client, project):
    page = (
        b"<html><body><h2>Research</h2><p>Ada Lovelace, Grace Hopper</p>"
        b"<script>x('Eve Evil')</script></body></html>"
    )

    response = editor_client.post(
        IMPORT,
        {
            "project": project.pk,
            "mode": ADD,
            "format": "",
            "file": SimpleUploadedFile("page.html", page),
        },
    )

    assert "page.html (HTML (a saved web page))" in text(response)
    assert "Ada Lovelace, Grace Hopper" in element(response, "structure")
    assert "Eve Evil" not in text(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "   \n"}, "Paste the page's text or choose a file: both are empty."),
        (
            {"file": SimpleUploadedFile("page.pdf", b"%PDF-1.7\n...")},
            "This file is a PDF document, not text.",
        ),
        (
            {
                "file": SimpleUploadedFile(
                    "page.txt", "Équipe: José Pérez, Zoë Ğ".encode("cp1252", "replace")
                )
            },
            "This file is not UTF-8: byte 1 (0xc9) is not valid UTF-8; it looks like",
        ),
        (
            {"text": "Ada Lovelace", "file": SimpleUploadedFile("page.txt", b"Ada")},
            "Paste the text or upload a file, not both.",
        ),
    ],
)
def test_input_that_cannot_be_read_gets_a_clear_message(editor_client, project, data, message):
    before = database_rows()

    response = editor_client.post(
        IMPORT, {"project": project.pk, "mode": ADD, "format": "", "text": "", **data}
    )

    assert message in text(response)
    assert database_rows() == before


def test_text_with_no_names_cannot_be_confirmed(editor_client, project):
    response = paste(
        editor_client, project, "We are proud of this work. It took a long time to build.\n"
    )

    assert "No names were found in the text: there is nothing to import." in element(
        response, "import-errors"
    )
    assert 'value="Confirm import"' not in response.content.decode()


def test_a_name_with_a_text_direction_character_blocks_the_import(editor_client, project):
    response = paste(editor_client, project, "Research\nAda Lovelace, Mallory \u202eliveE\n")

    errors = element(response, "import-errors")
    assert (
        "Line 2: “Mallory \u202eliveE”: This name contains an invisible text-direction "
        "character (U+202E RIGHT-TO-LEFT OVERRIDE) at position 9" in errors
    )
    assert 'value="Confirm import"' not in response.content.decode()


def test_an_expired_upload_is_said_so(editor_client, project):
    preview = paste(editor_client, project, SEED)
    ImportUpload.objects.all().delete()

    response = editor_client.post(CONFIRM, preview_data(preview))

    assert "The uploaded file is no longer available" in text(response)
    assert not Credit.objects.exists()


def test_a_deleted_project_is_said_so(editor_client, project):
    preview = paste(editor_client, project, SEED)
    Project.objects.all().delete()

    response = editor_client.post(CONFIRM, preview_data(preview))

    assert "The project of this import no longer exists; nothing was imported." in text(response)


def test_an_editor_can_open_the_form_for_one_project(editor_client, project):
    response = editor_client.get(IMPORT, {"project": project.pk})

    assert response.status_code == 200
    assert response.context["form"]["project"].value() == str(project.pk)


def test_the_form_needs_no_more_than_a_few_queries(
    editor_client, project, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        response = paste(editor_client, project, SEED)

    assert response.status_code == 200


def test_a_plain_client_is_sent_to_log_in(project):
    response = Client().get(IMPORT)

    assert response.status_code == 302
