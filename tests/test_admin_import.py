import io
import re
import time

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from people.models import Alias, Credit, ImportUpload, Person
from people.spreadsheet.format import read_credits
from people.spreadsheet.plan import ADD, SYNC
from tests.spreadsheets import (
    GPT4V_CSV,
    HEADER,
    csv_file,
    database_rows,
    locked_elsewhere,
    page,
    run_import,
)

pytestmark = pytest.mark.django_db


def upload(client, project, data, mode=ADD, model="credit", name="credits.csv"):
    """Post the import form as an editor would: project, mode, file."""
    return client.post(
        reverse(f"admin:people_{model}_import"),
        {
            "project": project.pk,
            "mode": mode,
            "format": "0",
            "import_file": SimpleUploadedFile(name, data, content_type="text/csv"),
        },
    )


def confirm(client, preview, model="credit"):
    """Press "Confirm import" on a preview page."""
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse(f"admin:people_{model}_process_import"), data, follow=True)


def text(response):
    return response.content.decode()


# Preview, then confirm


@pytest.mark.parametrize("model", ["credit", "person"])
def test_admin_import_previews_then_writes_on_confirm(
    editor_client, editor, make_project, make_person, model
):
    project = make_project()
    make_person("Madeleine Boyd")
    data = csv_file("Safety,,Madeline Boyd,Trust & safety lead", "Safety,Evals,Ann Beta,")
    before = database_rows()

    preview = upload(editor_client, project, data, model=model)

    assert preview.status_code == 200
    page_text = text(preview)
    assert "Madeline Boyd — <strong>did you mean Madeleine Boyd?</strong>" in page_text
    assert (
        "Importing <strong>credits.csv</strong> into <strong>Example credits</strong> (add mode) "
        "will make: 2 new credits, 0 unchanged; 2 new people, 1 new section, 1 new team."
    ) in page_text
    assert bytes(ImportUpload.objects.get().data) == data
    assert {**database_rows(), "people.ImportUpload": 0} == before

    done = confirm(editor_client, preview, model=model)

    assert done.redirect_chain == [(reverse(f"admin:people_{model}_changelist"), 302)]
    assert [str(m) for m in done.context["messages"]] == [
        'Import finished for "Example credits": '
        "2 new credits, 0 unchanged; 2 new people, 1 new section, 1 new team."
    ]
    assert page(project) == [
        (
            "Safety",
            [("Madeline Boyd", "Trust & safety lead")],
            [("Evals", [("Ann Beta", "")])],
        )
    ]
    assert ImportUpload.objects.count() == 0
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_repr) == (editor, "Example credits")
    assert entry.get_change_message() == (
        "Imported credits from credits.csv (add mode): "
        "2 new credits, 0 unchanged; 2 new people, 1 new section, 1 new team."
    )
    record = project.history.latest("history_date")
    assert (record.history_user, record.history_change_reason) == (
        editor,
        "Credits import (add): 2 new, 0 unchanged, 0 removed credits, 2 new people",
    )


def test_admin_preview_and_confirm_each_read_the_file_once(
    editor_client, make_project, monkeypatch
):
    project = make_project()
    reads = []

    def counted_read_credits(data):
        reads.append(data)
        return read_credits(data)

    monkeypatch.setattr("people.resources.read_credits", counted_read_credits)
    monkeypatch.setattr("people.admin_import.read_credits", counted_read_credits)
    data = csv_file("Safety,Evals,Ann Beta,")

    preview = upload(editor_client, project, data)
    reads_by_preview = len(reads)
    confirm(editor_client, preview)

    assert (reads_by_preview, len(reads)) == (1, 2)
    assert Credit.objects.get().person.name == "Ann Beta"


def test_admin_preview_flags_a_name_that_is_also_another_persons_other_spelling(
    editor_client, make_project, make_person
):
    project = make_project()
    make_person("Madeleine Boyd")
    madeline = make_person("Madeline Boyd")
    Alias.objects.create(person=madeline, name="Madeleine Boyd")

    preview = upload(editor_client, project, csv_file("Safety,Evals,Madeleine Boyd,"))

    page_text = " ".join(text(preview).split())
    assert "<h3>Names that are also another person’s other spelling (1)</h3>" in page_text
    assert (
        "Row 2: “Madeleine Boyd” is credited to Madeleine Boyd — <strong>it is also another "
        "spelling of Madeline Boyd.</strong> If they are one person, merge them before importing."
    ) in page_text
    assert preview.context["confirm_form"] is not None


def test_admin_sync_preview_lists_the_credits_to_remove(editor_client, make_project):
    project = make_project()
    run_import(project, csv_file("Safety,,Ann Beta,Lead", "Safety,Evals,Cy Dee,"))

    preview = upload(editor_client, project, csv_file("Safety,Evals,Cy Dee,"), mode=SYNC)

    page_text = " ".join(text(preview).split())
    assert "0 new credits, 1 unchanged, 1 removed" in page_text
    assert (
        '<h3>Credits to remove (1)</h3> <div class="credit-groups" id="removed-credits"> '
        "<details> <summary>Safety › (lead lines) (1)</summary> "
        '<ol class="credit-lines"> <li>Ann Beta — Lead</li> </ol> </details>'
    ) in page_text


CONFIRM_BUTTON = (
    '<div class="submit-row"> <input type="submit" class="default" name="confirm" '
    'value="Confirm import"> </div> </form>'
)


def test_admin_sync_preview_warns_above_the_confirm_button(editor_client, make_project):
    project = make_project()
    run_import(project, csv_file("Safety,,Ann Beta,Lead", "Safety,Evals,Cy Dee,", "Ops,,Ed Fu,"))

    preview = upload(editor_client, project, csv_file("Safety,Evals,Cy Dee,", "Ops,,Ed Fu,"), SYNC)

    page_text = " ".join(text(preview).split())
    warning = (
        '<ul class="messagelist"><li class="warning">This sync removes 1 of the project&#x27;s '
        "3 credits.</li></ul>"
    )
    assert page_text.count(warning) == 1
    assert page_text.index(warning) < page_text.index(CONFIRM_BUTTON)


def test_admin_sync_preview_warns_of_a_mass_removal(editor_client, make_project):
    project = make_project()
    run_import(project, GPT4V_CSV.read_bytes())

    preview = upload(editor_client, project, csv_file("Research contributions,Data,Tao Xu,"), SYNC)

    page_text = " ".join(text(preview).split())
    warning = (
        '<ul class="messagelist"><li class="warning">This sync removes 209 of the project&#x27;s '
        "210 credits, 3 sections and 24 teams. That is more than half of the project&#x27;s "
        "credits.</li></ul>"
    )
    assert page_text.index(warning) < page_text.index(CONFIRM_BUTTON)


def test_admin_preview_that_removes_nothing_warns_of_nothing(editor_client, make_project):
    project = make_project()
    run_import(project, csv_file("Safety,Evals,Cy Dee,"))

    preview = upload(editor_client, project, csv_file("Safety,Evals,Cy Dee,", "Ops,,Ed Fu,"), SYNC)

    page_text = " ".join(text(preview).split())
    assert 'class="warning"' not in page_text
    assert CONFIRM_BUTTON in page_text


def test_admin_sync_preview_lists_sort_names_duplicates_and_places_to_remove(
    editor_client, make_project
):
    project = make_project()
    run_import(project, csv_file("Safety,,Ann Beta,Lead", "Research,Evals,Cy Dee,"))
    data = csv_file(
        'Research,Data,Ann Beta,,"Beta, Ann"',
        "Research,Data,Cy Dee,,",
        "Research,Data,ann beta,,",
        header=HEADER + ",sort_name",
    )

    preview = upload(editor_client, project, data, mode=SYNC)

    page_text = " ".join(text(preview).split())
    assert (
        "<h3>Sort names to change (1)</h3> <ul> <li>Ann Beta: “” → “Beta, Ann”</li> </ul>"
    ) in page_text
    assert (
        "<h3>Duplicate rows, imported once (1)</h3> <ul> <li>Row 4 repeats row 2.</li> </ul>"
    ) in page_text
    assert (
        "<h3>Sections and teams to remove</h3> <ul> <li>Section: Safety</li> "
        "<li>Team: Research / Evals</li> </ul>"
    ) in page_text
    assert "<h3>People to be created" not in page_text


def test_admin_preview_lists_every_credit_grouped_by_section_and_team(editor_client, make_project):
    project = make_project()
    data = csv_file(*(f"Research,Team {n % 7},Person {n:04},Credit {n}" for n in range(600)))

    preview = upload(editor_client, project, data)

    page_text = " ".join(text(preview).split())
    assert "too many to list" not in page_text
    assert "<h3>New credits (600)</h3>" in page_text
    assert page_text.count("<details>") == 7
    assert "<summary>Research › Team 0 (86)</summary>" in page_text
    assert "<summary>Research › Team 6 (85)</summary>" in page_text
    assert '<li><span class="row">Row 44:</span> Person 0042 — Credit 42</li>' in page_text
    assert preview.context["confirm_form"] is not None


def test_admin_preview_has_the_confirm_button_at_the_top_and_at_the_end(
    editor_client, make_project
):
    project = make_project()
    data = csv_file(*(f"Research,Team {n % 7},Person {n:04},Credit {n}" for n in range(50)))

    preview = upload(editor_client, project, data)

    page_text = text(preview)
    buttons = [match.start() for match in re.finditer(r'value="Confirm import"', page_text)]
    assert len(buttons) == 2
    assert page_text.index("<h3>New credits (50)</h3>") < buttons[1]
    assert 'form="confirm-import"' in page_text
    assert (
        '<form action="/admin/people/credit/process_import/" method="POST" id="confirm-import">'
    ) in page_text


def test_admin_preview_with_nothing_to_import_has_no_confirm_button(editor_client, make_project):
    project = make_project()
    data = csv_file("Research,Data,Ann Beta,")
    confirm(editor_client, upload(editor_client, project, data))

    preview = upload(editor_client, project, data)

    assert "Confirm import" not in text(preview)
    assert "there is nothing to import" in text(preview)


def test_admin_preview_escapes_html_in_names(editor_client, make_project):
    project = make_project()

    preview = upload(editor_client, project, csv_file("<b>S</b>,Data,<script>alert(1)</script>,"))

    page_text = text(preview)
    assert "<script>alert(1)</script>" not in page_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</li>" in page_text
    assert "<summary>&lt;b&gt;S&lt;/b&gt; › Data (1)</summary>" in page_text


# Errors: shown, nothing written, the upload deleted


def test_admin_bad_file_is_a_form_error_and_nothing_is_kept(editor_client, make_project):
    project = make_project()
    before = database_rows()

    response = upload(editor_client, project, csv_file("Research,Data,Ann Beta,", ",Data,Cy,"))

    assert response.status_code == 200
    assert response.context["form"].errors["import_file"] == [
        "Row 3, column section: the section is empty."
    ]
    assert "confirm_form" not in response.context
    assert database_rows() == before


def test_admin_file_over_the_upload_limit_is_a_friendly_form_error(
    editor_client, make_project, settings
):
    project = make_project()
    settings.IMPORT_MAX_BYTES = 1000
    data = csv_file(*["Research,Data,Ann Beta,"] * 60)

    response = upload(editor_client, project, data)

    assert response.context["form"].errors["import_file"] == [
        "The file is 1.4\xa0KB; the largest file you can import is 1000\xa0bytes. "
        "Split it into smaller files."
    ]
    assert ImportUpload.objects.count() == 0


def test_admin_plan_error_is_shown_and_the_upload_deleted(editor_client, make_project, make_person):
    project = make_project()
    make_person("John Smith")
    make_person("John Smith")

    response = upload(editor_client, project, csv_file("Research,Data,John Smith,"))

    page_text = text(response)
    assert "<strong>Nothing was imported.</strong>" in page_text
    assert (
        "Row 2, column person: &quot;John Smith&quot; matches 2 people (John Smith, John Smith)"
        in page_text
    )
    assert "Confirm import" not in page_text
    assert ImportUpload.objects.count() == 0


def assert_failed_confirm(response, message, before):
    page_text = text(response)
    assert response.status_code == 200
    assert "<strong>Nothing was imported.</strong>" in page_text
    assert message in page_text
    assert "Import finished" not in page_text
    assert [str(m) for m in response.context["messages"]] == []
    assert database_rows() == before


def test_admin_confirm_fails_when_the_credits_changed_since_the_preview(
    editor_client, make_project
):
    project = make_project()
    data = csv_file("Safety,Evals,Ann Beta,", "Safety,Evals,Cy Dee,")
    preview = upload(editor_client, project, data)
    # Another editor imports one of the rows between preview and confirm.
    run_import(project, csv_file("Safety,Evals,Ann Beta,"))
    before = {**database_rows(), "people.ImportUpload": 0}

    response = confirm(editor_client, preview)

    assert_failed_confirm(
        response,
        "The credits in the database changed since the preview, so nothing was imported.",
        before,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks for another connection"
)
def test_admin_confirm_waits_seconds_at_most_for_a_project_an_import_holds(
    editor_client, make_project, settings
):
    settings.WEB_LOCK_WAIT_SECONDS = 1
    project = make_project()
    preview = upload(editor_client, project, csv_file("Safety,Evals,Ann Beta,"))
    before = {**database_rows(), "people.ImportUpload": 0}

    with locked_elsewhere(project):
        started = time.monotonic()
        response = confirm(editor_client, preview)
        waited = time.monotonic() - started

    assert_failed_confirm(
        response, "An import is running on this project; try again when it finishes.", before
    )
    assert waited < 5


def test_admin_confirm_fails_when_the_project_was_deleted(editor_client, make_project):
    project = make_project()
    preview = upload(editor_client, project, csv_file("Safety,Evals,Ann Beta,"))
    project.delete()
    before = {**database_rows(), "people.ImportUpload": 0}

    response = confirm(editor_client, preview)

    assert_failed_confirm(
        response, "The project of this import no longer exists; nothing was imported.", before
    )


def test_admin_confirm_fails_when_the_upload_expired(editor_client, make_project):
    project = make_project()
    preview = upload(editor_client, project, csv_file("Safety,Evals,Ann Beta,"))
    ImportUpload.objects.update(created_at=timezone.now() - timezone.timedelta(days=2))
    before = {**database_rows(), "people.ImportUpload": 0}

    response = confirm(editor_client, preview)

    assert_failed_confirm(
        response,
        "The uploaded file is no longer available (an upload is kept for 24 hours between "
        "preview and confirmation, and only once). Upload it again.",
        before,
    )


def test_admin_upload_can_be_confirmed_only_once(editor_client, make_project):
    project = make_project()
    preview = upload(editor_client, project, csv_file("Safety,Evals,Ann Beta,"))
    confirm(editor_client, preview)
    before = database_rows()

    again = confirm(editor_client, preview)

    assert_failed_confirm(again, "The uploaded file is no longer available", before)


def test_expired_uploads_are_purged_by_the_next_upload(editor_client, make_project):
    project = make_project()
    upload(editor_client, project, csv_file("Safety,Evals,Ann Beta,"))
    ImportUpload.objects.update(created_at=timezone.now() - timezone.timedelta(days=2))

    upload(editor_client, project, csv_file("Safety,Evals,Cy Dee,"))

    assert [bytes(u.data) for u in ImportUpload.objects.all()] == [csv_file("Safety,Evals,Cy Dee,")]


def test_expired_uploads_are_purged_by_a_confirmation(editor_client, make_project):
    project = make_project()
    preview = upload(editor_client, project, csv_file("Safety,Evals,Ann Beta,"))
    ImportUpload.objects.create(name="0" * 32, data=b"old")
    ImportUpload.objects.filter(name="0" * 32).update(
        created_at=timezone.now() - timezone.timedelta(days=2)
    )

    confirm(editor_client, preview)

    assert ImportUpload.objects.count() == 0


# Permissions


@pytest.fixture
def staff_without_import(django_user_model):
    """A staff user who may see and change credits and people, but not import or export."""
    user = django_user_model.objects.create_user("staff", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_credit", "change_credit", "view_person", "change_person"]
        )
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["credit", "person"])
def test_import_and_export_need_their_own_permissions(
    staff_without_import, editor_client, make_project, model
):
    project = make_project()
    urls = [
        reverse(f"admin:people_{model}_import"),
        reverse(f"admin:people_{model}_export"),
    ]

    data = csv_file("Safety,Evals,Ann Beta,")
    process_import = reverse(f"admin:people_{model}_process_import")

    refused = [staff_without_import.get(url).status_code for url in urls]
    refused.append(upload(staff_without_import, project, data, model=model).status_code)
    refused.append(staff_without_import.post(process_import).status_code)
    refused.append(
        staff_without_import.post(urls[1], {"project": project.pk, "format": "0"}).status_code
    )
    allowed = [editor_client.get(url).status_code for url in urls]
    changelist = staff_without_import.get(reverse(f"admin:people_{model}_changelist"))

    assert refused == [403, 403, 403, 403, 403]
    assert allowed == [200, 200]
    assert "import_link" not in text(changelist)
    assert "export_link" not in text(changelist)
    assert Credit.objects.count() == 0


def test_the_people_list_keeps_its_links_and_gains_import_and_export(editor_client):
    response = editor_client.get(reverse("admin:people_person_changelist"))

    page_text = text(response)
    assert "Find duplicates" in page_text
    assert 'class="import_link"' in page_text
    assert 'class="export_link"' in page_text


# Export


def test_admin_export_of_a_project_as_csv(editor_client, make_project):
    project = make_project()
    run_import(project, GPT4V_CSV.read_bytes())
    other = make_project("Other", "other")
    run_import(other, csv_file("Elsewhere,Team,Ann Beta,"))

    response = editor_client.post(
        reverse("admin:people_credit_export"), {"project": project.pk, "format": "0"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="credits-example-{timezone.localdate().isoformat()}.csv"'
    )
    assert response.content == GPT4V_CSV.read_bytes()


def test_admin_export_as_xlsx(editor_client, make_project):
    project = make_project("GPT-4V(ision): technical work [and] authors?", "gpt-4v")
    run_import(project, csv_file("Research,Data,=SUM(A1),"))

    response = editor_client.post(
        reverse("admin:people_credit_export"), {"project": project.pk, "format": "1"}
    )

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert response["Content-Disposition"] == (
        f'attachment; filename="credits-gpt-4v-{timezone.localdate().isoformat()}.xlsx"'
    )
    assert sheet.title == "GPT-4V(ision) technical work an"
    assert [[cell.value for cell in row] for row in sheet.rows] == [
        ["section", "team", "person", "role"],
        ["Research", "Data", "'=SUM(A1)", None],
    ]


def test_admin_export_of_selected_credits(editor_client, make_project):
    project = make_project()
    run_import(
        project,
        csv_file("Research,,Ann Beta,Lead", "Research,Data,Ann Beta,", "Research,Data,Cy Dee,"),
    )
    chosen = Credit.objects.filter(person__name="Ann Beta")
    form = editor_client.post(
        reverse("admin:people_credit_changelist"),
        {"action": "export_admin_action", "_selected_action": [obj.pk for obj in chosen]},
    )
    items = form.context["form"].initial["export_items"]

    response = editor_client.post(
        reverse("admin:people_credit_export"),
        {"project": project.pk, "format": "0", "export_items": items},
    )

    assert response.content.decode() == (
        "section,team,person,role\nResearch,,Ann Beta,Lead\nResearch,Data,Ann Beta,\n"
    )


def test_admin_export_of_selected_people_has_all_their_credits_without_asking(
    editor_client, make_project
):
    vision = make_project("Vision", "vision")
    run_import(vision, csv_file("Research,,Ann Beta,Lead", "Research,Data,Cy Dee,"))
    audio = make_project("Audio", "audio")
    run_import(audio, csv_file("Safety,Evals,Ann Beta,", "Safety,Evals,Ed Fu,"))
    chosen = Person.objects.filter(name__in=["Ann Beta", "Cy Dee"])
    form = editor_client.post(
        reverse("admin:people_person_changelist"),
        {"action": "export_admin_action", "_selected_action": [obj.pk for obj in chosen]},
    )
    items = form.context["form"].initial["export_items"]

    response = editor_client.post(
        reverse("admin:people_person_export"), {"format": "0", "export_items": items}
    )

    assert "project" not in form.context["form"].fields
    assert response["Content-Disposition"] == (
        f'attachment; filename="credits-people-{timezone.localdate().isoformat()}.csv"'
    )
    assert response.content.decode() == (
        "project,section,team,person,role\n"
        "audio,Safety,Evals,Ann Beta,\n"
        "vision,Research,,Ann Beta,Lead\n"
        "vision,Research,Data,Cy Dee,\n"
    )


# Decisions on flagged names


def test_admin_preview_asks_same_person_or_new_and_the_confirmation_applies_it(
    editor_client, make_project, make_person
):
    project = make_project()
    boyd = make_person("Madeleine Boyd")
    jose = make_person("José Pérez")
    data = csv_file("Research,Data,Madeline Boyd,", "Research,Data,José Perez,")
    preview = upload(editor_client, project, data)
    form = preview.context["confirm_form"]
    decisions = {"same-person-2": str(boyd.pk), "same-person-3": "new"}

    done = editor_client.post(
        reverse("admin:people_credit_process_import"),
        {**{name: form.initial.get(name, "") for name in form.fields}, **decisions},
        follow=True,
    )

    page_text = " ".join(text(preview).split())
    assert (
        '<label><input type="radio" form="confirm-import" name="same-person-2" value="new" '
        "checked> A new person</label> "
        f'<label><input type="radio" form="confirm-import" name="same-person-2" value="{boyd.pk}">'
        " The same person as Madeleine Boyd</label>"
    ) in page_text
    assert f'name="same-person-3" value="{jose.pk}"> The same person as José Pérez' in page_text
    assert [str(m) for m in done.context["messages"]] == [
        'Import finished for "Example credits": '
        "2 new credits, 0 unchanged; 1 new person, 1 new section, 1 new team."
    ]
    assert sorted(Person.objects.values_list("name", flat=True)) == [
        "José Perez",
        "José Pérez",
        "Madeleine Boyd",
    ]
    assert list(Alias.objects.values_list("person__name", "name")) == [
        ("Madeleine Boyd", "Madeline Boyd")
    ]
    assert boyd.credits.count() == 1


def test_admin_preview_shows_names_written_family_name_first(
    editor_client, make_project, make_person
):
    project = make_project()
    make_person("Ada Lovelace")
    data = csv_file('Research,Data,"Lovelace, Ada",', 'Research,Data,"Hopper, Grace",')

    preview = upload(editor_client, project, data)

    page_text = " ".join(text(preview).split())
    assert (
        '<h3>Names written family name first (2)</h3> <ul id="family-first"> '
        "<li>Row 2: “Lovelace, Ada” is read as <strong>Ada Lovelace</strong> — "
        "credited to Ada Lovelace.</li> "
        "<li>Row 3: “Hopper, Grace” is read as <strong>Grace Hopper</strong> — a new person, "
        "shown as “Grace Hopper” and sorted by family name.</li>"
    ) in page_text


def test_the_import_form_is_laid_out_like_djangos_with_each_mode_explained(editor_client):
    form = editor_client.get(reverse("admin:people_credit_import"))

    page_text = " ".join(text(form).split())
    assert (
        '<div class="form-row field-project"> <div> <div class="flex-container"> '
        '<label for="id_project">Project:</label> <select name="project"'
    ) in page_text
    assert (
        '</select> </div> <div class="help" id="id_project_helptext">'
        "<div>The project whose credits change.</div></div>"
    ) in page_text
    assert (
        '<ul id="id_mode" class="mode-choices"> <li> <label for="id_mode_0">'
        '<input type="radio" name="mode" value="add" id="id_mode_0" required checked> '
        '<strong>Add</strong></label> <div class="help" id="id_mode_0_helptext">Adds the '
        "file&#x27;s credits that the project lacks; changes and removes nothing.</div> </li>"
    ) in page_text
    assert (
        '<strong>Sync</strong></label> <div class="help" id="id_mode_1_helptext">The '
        "project&#x27;s credits become exactly the file&#x27;s"
    ) in page_text
    assert 'href="/static/people/admin-import.css"' in page_text
