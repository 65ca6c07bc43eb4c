"""The private `email` column of the credits spreadsheet: import, export, where it never goes."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from people.changesets.undo import undo
from people.models import ChangeSet, ChangeSetEmail, Person
from people.spreadsheet.export import export_credits_csv
from people.spreadsheet.format import CreditsError
from people.spreadsheet.plan import ADD
from people.versions import publish
from tests.spreadsheets import csv_file, database_rows, empty_the_database, run_import

pytestmark = pytest.mark.django_db

HEADER = "section,team,person,role,email"


def emails():
    return dict(Person.objects.values_list("name", "email"))


@pytest.fixture
def ada(make_person):
    return make_person("Ada Lovelace", email="ada@old.example")


@pytest.fixture
def may_see_emails(editor):
    editor.user_permissions.add(Permission.objects.get(codename="view_person_email"))
    return editor


def upload(client, project, data):
    return client.post(
        reverse("admin:people_credit_import"),
        {
            "project": project.pk,
            "mode": ADD,
            "format": "0",
            "import_file": SimpleUploadedFile("credits.csv", data, content_type="text/csv"),
        },
    )


def confirm(client, preview):
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(reverse("admin:people_credit_process_import"), data, follow=True)


# Importing


def test_the_column_sets_new_and_existing_peoples_addresses(make_project, ada):
    project = make_project()

    plan = run_import(
        project,
        csv_file(
            "Research,Data,Ada Lovelace,,ada@new.example",
            "Research,Data,Mark Chen,,Mark.Chen@Example.ORG",
            "Research,Data,Cy Dee,,",
            header=HEADER,
        ),
    )

    assert emails() == {
        "Ada Lovelace": "ada@new.example",
        "Mark Chen": "Mark.Chen@example.org",
        "Cy Dee": "",
    }
    assert plan.summary() == (
        "3 new credits, 0 unchanged; 2 new people, 1 new section, 1 new team, "
        "1 email address set, 1 email address changed"
    )


def test_an_empty_cell_keeps_the_stored_address(make_project, ada):
    project = make_project()

    plan = run_import(project, csv_file("Research,Data,Ada Lovelace,,", header=HEADER))

    assert emails() == {"Ada Lovelace": "ada@old.example"}
    assert plan.changes.emails == []


def test_the_same_address_again_changes_nothing(make_project, ada):
    project = make_project()
    run_import(project, csv_file("Research,Data,Ada Lovelace,,ada@old.example", header=HEADER))

    plan = run_import(
        project, csv_file("Research,Data,Ada Lovelace,,ada@OLD.example", header=HEADER)
    )

    assert not plan.has_changes


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("ada@", "Row 3, column email: Enter a valid email address."),
        ("ada lovelace@example.org", "Row 3, column email: Enter a valid email address."),
        ('"=HYPERLINK(""x"")"', "Row 3, column email: Enter a valid email address."),
        ("a" * 250 + "@example.org", "Row 3, column email: 262 characters; at most 254"),
    ],
    ids=["no-domain", "space", "formula", "too-long"],
)
def test_a_bad_address_names_the_row_and_column_and_changes_nothing(
    make_project, ada, cell, message
):
    project = make_project()
    before = database_rows()

    with pytest.raises(CreditsError) as error:
        run_import(
            project,
            csv_file(
                "Research,Data,Cy Dee,,", f"Research,Data,Ada Lovelace,,{cell}", header=HEADER
            ),
        )

    assert str(error.value).startswith(message)
    assert database_rows() == before


def test_two_addresses_for_one_person_name_both_rows(make_project, ada):
    project = make_project()
    before = database_rows()

    with pytest.raises(CreditsError) as error:
        run_import(
            project,
            csv_file(
                "Research,Data,Ada Lovelace,,ada@one.example",
                "Research,Lead,ada lovelace,,ada@one.example",
                "Safety,,Ada Lovelace,Lead,ada@two.example",
                header=HEADER,
            ),
        )

    assert str(error.value) == (
        "Row 4, column email: Ada Lovelace has two email addresses in the file: this row's "
        "differs from row 2's. Keep one."
    )
    assert database_rows() == before


def test_importing_addresses_needs_the_permission(make_project, editor):
    project = make_project()
    data = csv_file(
        "Research,Data,Cy Dee,,", "Research,Data,Ada Lovelace,,ada@example.org", header=HEADER
    )

    with pytest.raises(CreditsError) as error:
        run_import(project, data, user=editor)

    assert str(error.value) == (
        "Row 3, column email: this file sets people's private email addresses, which takes the "
        "permission “Can see and set people's private email addresses”; you do not have it. "
        "Remove the email column, or ask someone who has it to import the file."
    )
    assert not Person.objects.exists()


def test_an_empty_email_column_needs_no_permission(make_project, editor):
    project = make_project()

    run_import(project, csv_file("Research,Data,Cy Dee,,", header=HEADER), user=editor)

    assert emails() == {"Cy Dee": ""}


# The admin's import


def test_an_editor_without_the_permission_is_told_and_nothing_is_imported(
    editor_client, make_project
):
    project = make_project()

    response = upload(
        editor_client, project, csv_file("Research,Data,Ada,,ada@example.org", header=HEADER)
    )

    assert response.context["credits_errors"] == [
        "Row 2, column email: this file sets people's private email addresses, which takes the "
        "permission “Can see and set people's private email addresses”; you do not have it. "
        "Remove the email column, or ask someone who has it to import the file."
    ]
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Person.objects.exists()


def test_the_preview_counts_addresses_and_lists_those_replaced(
    editor_client, may_see_emails, make_project, ada
):
    project = make_project()
    data = csv_file(
        "Research,Data,Ada Lovelace,,ada@new.example",
        "Research,Data,Mark Chen,,mark@example.org",
        header=HEADER,
    )

    preview = upload(editor_client, project, data)
    done = confirm(editor_client, preview)

    counts = preview.context["plan"].counts()
    assert (counts["email addresses set"], counts["email addresses changed"]) == (1, 1)
    page = " ".join(preview.content.decode().split())
    assert '<th scope="row">Email addresses set</th><td>1</td>' in page
    assert (
        '<ul id="changed-emails"> <li>Ada Lovelace: “ada@old.example” → “ada@new.example”</li>'
        in page
    )
    assert [str(message) for message in done.context["messages"]] == [
        'Import finished for "Example credits": 2 new credits, 0 unchanged; 1 new person, '
        "1 new section, 1 new team, 1 email address set, 1 email address changed."
    ]
    assert emails() == {"Ada Lovelace": "ada@new.example", "Mark Chen": "mark@example.org"}


# Where addresses never go


def test_addresses_are_in_no_history_summary_log_or_published_file(
    editor, may_see_emails, client, make_project, ada
):
    project = make_project(is_published=False)
    run_import(project, csv_file("Research,Data,Ada Lovelace,,", header=HEADER))
    publish(project)
    run_import(
        project,
        csv_file(
            "Research,Data,Ada Lovelace,,ada@new.example",
            "Research,Data,Mark Chen,,mark@example.org",
            header=HEADER,
        ),
        user=editor,
        source="credits.csv",
    )
    publication = publish(project)

    texts = [
        str(publication.version.changes),
        *ChangeSet.objects.values_list("description", "summary"),
        *LogEntry.objects.values_list("change_message", flat=True),
        *Person.history.values_list("history_change_reason", flat=True),
        *(
            client.get(f"/credits/{project.slug}/{name}").content.decode()
            for name in ["", "credits.json", "credits.csv", "CITATION.cff", "citation.bib"]
        ),
        client.get(Person.objects.get(name="Mark Chen").get_absolute_url()).content.decode(),
    ]
    addresses = ["ada@old.example", "ada@new.example", "mark@example.org"]
    assert not [text for text in map(str, texts) if any(a in text for a in addresses)]
    assert "email" not in [field.name for field in Person.history.model._meta.fields]


# Undo


def test_undoing_an_import_puts_the_addresses_back(editor, make_project, ada):
    project = make_project()
    run_import(project, csv_file("Research,Data,Ada Lovelace,,ada@new.example", header=HEADER))
    change_set = ChangeSet.objects.get()

    plan = undo(change_set, editor)

    assert plan.counts() == [
        "1 section, 1 team and 1 credit removed",
        "1 private email address put back",
    ]
    assert emails() == {"Ada Lovelace": "ada@old.example"}
    assert not ChangeSetEmail.objects.exists()


def test_an_address_changed_again_after_the_import_is_left_alone(editor, make_project, ada):
    project = make_project()
    run_import(project, csv_file("Research,Data,Ada Lovelace,,ada@new.example", header=HEADER))
    Person.objects.filter(name="Ada Lovelace").update(email="ada@newest.example")

    undo(ChangeSet.objects.get(), editor)

    assert emails() == {"Ada Lovelace": "ada@newest.example"}


# Exporting


def test_the_export_has_no_email_column_unless_asked(make_project, ada):
    project = make_project()
    run_import(project, csv_file("Research,Data,Ada Lovelace,", "Research,Data,Cy Dee,"))

    assert export_credits_csv(project) == (
        "section,team,person,role\nResearch,Data,Cy Dee,\nResearch,Data,Ada Lovelace,\n"
    )
    assert export_credits_csv(project, with_emails=True) == (
        "section,team,person,role,email\n"
        "Research,Data,Cy Dee,,\n"
        "Research,Data,Ada Lovelace,,ada@old.example\n"
    )


def test_an_export_with_addresses_imports_back_to_the_same_bytes(gpt4v, make_project):
    Person.objects.filter(name="Diogo Moitinho de Almeida").update(sort_name="Almeida, Diogo")
    Person.objects.filter(name="Greg Brockman").update(email="greg@example.org")
    exported = export_credits_csv(gpt4v, with_emails=True)
    empty_the_database()
    project = make_project("GPT-4V", "gpt-4v", is_published=False)

    run_import(project, exported.encode())

    assert export_credits_csv(project, with_emails=True) == exported
    assert exported.splitlines()[0] == "section,team,person,role,sort_name,email"
    assert emails()["Greg Brockman"] == "greg@example.org"


def test_the_command_exports_addresses_when_asked(make_project, ada, capsysbinary):
    project = make_project()
    run_import(project, csv_file("Research,Data,Ada Lovelace,"))

    call_command("export_credits", "--project", project.slug, "--with-emails")

    assert capsysbinary.readouterr().out == (
        b"section,team,person,role,email\nResearch,Data,Ada Lovelace,,ada@old.example\n"
    )


@pytest.mark.parametrize("allowed", [True, False])
def test_the_admin_export_offers_addresses_only_to_staff_who_see_them(
    editor_client, editor, make_project, ada, allowed
):
    if allowed:
        editor.user_permissions.add(Permission.objects.get(codename="view_person_email"))
    project = make_project()
    run_import(project, csv_file("Research,Data,Ada Lovelace,"))

    form = editor_client.get(reverse("admin:people_credit_export"))
    response = editor_client.post(
        reverse("admin:people_credit_export"),
        {"project": project.pk, "format": "0", "with_emails": "on"},
    )

    assert ("Include private email addresses" in form.content.decode()) == allowed
    expected = (
        "section,team,person,role,email\nResearch,Data,Ada Lovelace,,ada@old.example\n"
        if allowed
        else "section,team,person,role\nResearch,Data,Ada Lovelace,\n"
    )
    assert response.content.decode() == expected


def test_the_people_export_adds_addresses_when_asked(
    editor_client, may_see_emails, make_project, ada
):
    project = make_project()
    run_import(project, csv_file("Research,Data,Ada Lovelace,", "Research,Data,Cy Dee,"))

    response = editor_client.post(
        reverse("admin:people_person_export"), {"format": "0", "with_emails": "on"}
    )

    assert response.content.decode() == (
        "project,section,team,person,role,email\n"
        "example,Research,Data,Cy Dee,,\n"
        "example,Research,Data,Ada Lovelace,,ada@old.example\n"
    )
