"""Imports, syncs and merges recorded as change sets, and undone as a whole (issue 9, point 2)."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from people.changesets.plan import UndoError
from people.changesets.undo import undo
from people.merging import merge_people
from people.models import (
    Acknowledgment,
    Alias,
    ChangeSet,
    Credit,
    DistinctPair,
    Mention,
    Person,
    PersonRedirect,
    Project,
    Resource,
    Section,
    Team,
)
from people.spreadsheet.export import export_credits_csv
from people.spreadsheet.plan import SYNC
from people.versions import publish
from tests.admin_pages import page_text, url
from tests.spreadsheets import csv_file, page, run_import

pytestmark = pytest.mark.django_db

MODELS = [
    Project,
    Resource,
    Section,
    Team,
    Person,
    Alias,
    Credit,
    Acknowledgment,
    Mention,
    PersonRedirect,
    DistinctPair,
]
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d"


def snapshot():
    """Every row of every credits model with all its values, but the project's "last updated"."""
    return {
        model.__name__: [
            {name: value for name, value in row.items() if name != "updated_at"}
            for row in model.objects.order_by("pk").values()
        ]
        for model in MODELS
    }


def undo_url(change_set):
    return url(ChangeSet, "undo", change_set.pk)


@pytest.fixture
def research(make_project, make_section, make_team, make_person, make_credit):
    """A published page: "Research" with Jamie Kiros's lead line and the team Architecture."""
    project = make_project("GPT-4V", "gpt-4v")
    section = make_section(project, "Research")
    architecture = make_team(section, "Architecture")
    make_credit("Jamie Kiros", section=section, title="Overall lead")
    make_credit("Mark Chen", team=architecture)
    make_credit("Casey Chu", team=architecture)
    return project


ADDITIONS = csv_file(
    "Research,Architecture,Mark Chen,,Chen Mark",
    "Research,Architecture,Ada Lovelace,",
    "Legal,,Grace Hopper,Counsel lead",
    "Legal,Policy,Ada Lovelace,Adviser",
    "Research,Data,Alan Turing,",
    header="section,team,person,role,sort_name",
)


# Imports


def test_an_import_is_recorded_as_one_change_set(research, editor):
    plan = run_import(research, ADDITIONS, user=editor, source="legal.csv")

    change_set = ChangeSet.objects.get()
    assert (change_set.kind, change_set.project, change_set.user) == ("import", research, editor)
    assert change_set.description == "Imported legal.csv into GPT-4V"
    assert change_set.summary == plan.summary()
    written = [
        (model.__name__, record.history_type, record.change_set_id)
        for model in (Section, Team, Person, Credit)
        for record in model.history.filter(history_date__gte=change_set.created_at)
    ]
    assert len(written) == 1 + 2 + 3 + 1 + 4
    assert {change_set_id for _, _, change_set_id in written} == {change_set.pk}


def test_an_import_that_changes_nothing_records_no_change_set(research):
    run_import(research, csv_file("Research,Architecture,Mark Chen,"))

    assert not ChangeSet.objects.exists()


def test_undoing_an_import_gives_back_the_page_as_it_was(research, editor, client):
    before = snapshot()
    page_before, csv_before = page(research), export_credits_csv(research)
    public_before = client.get("/credits/gpt-4v/credits.csv").content
    run_import(research, ADDITIONS, user=editor, source="legal.csv")
    change_set = ChangeSet.objects.get()

    plan = undo(change_set, user=editor)

    assert plan.summary() == (
        "3 people, 1 section, 2 teams and 4 credits removed; 1 person put back as they were"
    )
    assert snapshot() == before
    assert page(research) == page_before
    assert export_credits_csv(research) == csv_before
    assert client.get("/credits/gpt-4v/credits.csv").content == public_before
    assert client.get("/people/ada-lovelace/").status_code == 404


def test_the_undo_is_recorded_with_who_and_why(research, editor):
    run_import(research, ADDITIONS, user=editor, source="legal.csv")
    change_set = ChangeSet.objects.get()

    undo(change_set, user=editor)

    change_set.refresh_from_db()
    undo_set = change_set.undone_by
    assert (undo_set.kind, undo_set.user, undo_set.project) == ("undo", editor, research)
    assert undo_set.description == (
        f"Undo of import #{change_set.pk}: Imported legal.csv into GPT-4V"
    )
    records = [
        (record.history_type, record.history_user, record.history_change_reason)
        for model in (Section, Team, Person, Credit, Project)
        for record in model.history.filter(change_set=undo_set)
    ]
    assert len(records) == 1 + 2 + 3 + 1 + 4 + 1
    assert set(records) - {("~", editor, f"Undo of import #{change_set.pk}")} == {
        ("-", editor, f"Undo of import #{change_set.pk}")
    }
    assert Credit.history.filter(change_set=undo_set, history_type="-").count() == 4


# Syncs


@pytest.fixture
def gpt4v_page():
    """The GPT-4V page as `load_gpt4v` loads it, history included."""
    call_command("load_gpt4v", stdout=StringIO())
    return Project.objects.get(slug="gpt-4v")


def test_undoing_the_mistyped_sync_brings_back_every_credit_team_and_section(gpt4v_page):
    # The command: `head -11 full.csv > t.csv; import_credits t.csv --sync`.
    full = export_credits_csv(gpt4v_page)
    before = snapshot()
    first_ten = "".join(full.splitlines(keepends=True)[:11]).encode()
    plan = run_import(gpt4v_page, first_ten, SYNC, source="t.csv")
    assert len(plan.changes.removed_credits) == 200
    change_set = ChangeSet.objects.get()
    assert change_set.kind == "sync"
    assert Credit.history.filter(change_set=change_set, history_type="-").count() == 200

    plan = undo(change_set)

    assert plan.summary() == "3 sections, 24 teams and 200 credits back"
    assert snapshot() == before
    assert export_credits_csv(gpt4v_page) == full


def test_a_syncs_removals_say_who_and_why(research, editor):
    run_import(research, csv_file("Research,Architecture,Mark Chen,"), SYNC, user=editor)

    change_set = ChangeSet.objects.get()
    removals = Credit.history.filter(history_type="-")
    assert sorted(removals.values_list("person__name", flat=True)) == ["Casey Chu", "Jamie Kiros"]
    assert {
        (record.history_user, record.history_change_reason, record.change_set)
        for record in removals
    } == {(editor, "Removed by a sync import", change_set)}


def test_undoing_a_sync_puts_moved_sections_and_teams_back_in_place(
    research, make_section, make_team, make_credit
):
    legal = make_section(research, "Legal")
    make_credit("Grace Hopper", team=make_team(legal, "Policy"))
    data = csv_file(
        "Legal,Policy,Grace Hopper,",
        "Research,Data,Alan Turing,",
        "Research,Architecture,Mark Chen,",
    )
    before = snapshot()
    run_import(research, data, SYNC)

    undo(ChangeSet.objects.get())

    assert snapshot() == before
    assert list(research.sections.values_list("title", "position")) == [
        ("Research", 0),
        ("Legal", 1),
    ]


# Merges


@pytest.fixture
def raso(make_project, make_section, make_team, make_person, make_credit):
    """Filippo Raso and Filippo Rasso on a published page, with overlapping credits."""
    kept = make_person("Filippo Raso")
    rasso = make_person("Filippo Rasso")
    project = make_project("GPT-4V", "gpt-4v", assembled_by=rasso)
    section = make_section(project, "Additional contributions")
    legal = make_team(section, "Legal")
    communications = make_team(section, "Communications")
    thanks = Acknowledgment.objects.create(project=project, text="We thank our red-teamers.")
    make_credit(kept, team=legal)
    Mention.objects.create(person=kept, acknowledgment=thanks)
    Alias.objects.create(person=kept, name="F. Raso")
    make_credit(rasso, team=legal)
    make_credit(rasso, team=communications, title="Writer")
    Mention.objects.create(person=rasso, acknowledgment=thanks)
    Alias.objects.create(person=rasso, name="F. Raso")
    Alias.objects.create(person=rasso, name="Phil Rasso")
    PersonRedirect.objects.create(old_slug="filippo-r", person=rasso)
    DistinctPair.objects.create(first=kept, second=make_person("Thomas Stasi"))
    DistinctPair.objects.create(first=kept, second=rasso)
    publish(project)
    return {"kept": kept, "removed": rasso, "project": project}


def test_a_merge_is_recorded_as_one_change_set(raso, editor):
    plan = merge_people(raso["kept"], [raso["removed"]], user=editor)

    change_set = ChangeSet.objects.get()
    rasso_id, raso_id = raso["removed"].pk, raso["kept"].pk
    assert (change_set.kind, change_set.project, change_set.user) == ("merge", None, editor)
    assert change_set.description == (
        f"Merged Filippo Rasso (#{rasso_id}) into Filippo Raso (#{raso_id})"
    )
    assert change_set.summary == (
        "1 person merged into Filippo Raso: 1 credits moved, 1 collapsed; 0 mentions moved, "
        "1 collapsed; 2 other spellings; 2 addresses redirected"
    )
    assert plan.change_set == change_set
    assert PersonRedirect.history.filter(change_set=change_set).count() == 2
    assert DistinctPair.history.get(change_set=change_set).history_type == "-"


def test_undoing_a_merge_gives_the_person_back_with_their_credits_and_address(raso, editor, client):
    before = snapshot()
    merge_people(raso["kept"], [raso["removed"]], user=editor)
    assert client.get("/people/filippo-rasso/").status_code == 301

    plan = undo(ChangeSet.objects.get(), user=editor)

    assert snapshot() == before
    rasso = Person.objects.get(pk=raso["removed"].pk)
    assert sorted(rasso.credits.values_list("team__name", "title")) == [
        ("Communications", "Writer"),
        ("Legal", ""),
    ]
    assert sorted(rasso.aliases.values_list("name", flat=True)) == ["F. Raso", "Phil Rasso"]
    assert sorted(raso["kept"].aliases.values_list("name", flat=True)) == ["F. Raso"]
    assert rasso.mentions.count() == 1
    assert Project.objects.get().assembled_by == rasso
    response = client.get("/people/filippo-rasso/")
    assert response.status_code == 200
    assert "<h1>Filippo Rasso</h1>" in page_text(response)
    assert client.get("/people/filippo-r/")["Location"] == "/people/filippo-rasso/"
    assert plan.summary() == (
        "1 alias and 1 person redirect removed; "
        "1 person, 1 alias, 1 credit, 1 mention and 1 distinct pair back; "
        "1 project, 1 alias, 1 credit and 1 person redirect put back as they were"
    )


# Conflicts and refusals


def test_an_edit_after_the_import_stops_its_undo_and_is_named(research, editor, make_person):
    run_import(research, ADDITIONS, user=editor, source="legal.csv")
    change_set = ChangeSet.objects.get()
    adviser = Credit.objects.get(title="Adviser")
    adviser.title = "Senior adviser"
    adviser._history_user = editor
    adviser.save()
    policy = Team.objects.get(name="Policy")
    kim = Credit.objects.create(person=make_person("Kim Lee"), team=policy)
    before = snapshot()

    with pytest.raises(UndoError) as refused:
        undo(change_set, user=editor)

    assert str(refused.value) == (
        f"Import #{change_set.pk} cannot be undone: 2 conflicts with later changes. "
        "Nothing was undone."
    )
    texts = [conflict.text for conflict in refused.value.conflicts]
    assert len(texts) == 2
    assert re.fullmatch(
        f"Credit “Ada Lovelace \\(Policy: Senior adviser\\)” was changed by editor on {WHEN} "
        "after this import.",
        texts[0],
    ), texts[0]
    assert re.fullmatch(
        f"Credit “Kim Lee \\(Policy\\)” was added by the command line on {WHEN} after this "
        "import and refers to Team “GPT-4V: Legal: Policy”, which undoing it would remove.",
        texts[1],
    ), texts[1]
    assert refused.value.conflicts[1].pk == kim.pk
    assert snapshot() == before
    change_set.refresh_from_db()
    assert change_set.undone_by is None


def test_a_later_import_is_named_in_the_conflict(research, editor):
    run_import(research, ADDITIONS, source="legal.csv")
    first = ChangeSet.objects.get()
    run_import(research, csv_file("Legal,Policy,Ada Lovelace,Adviser"), SYNC, user=editor)
    second = ChangeSet.objects.exclude(pk=first.pk).get()

    with pytest.raises(UndoError) as refused:
        undo(first)

    texts = [conflict.text for conflict in refused.value.conflicts]
    assert len(texts) == 4
    assert re.fullmatch(
        f"Credit “Grace Hopper \\(Legal: Counsel lead\\)” was deleted by editor "
        f"\\(sync #{second.pk}\\) on {WHEN} after this import.",
        texts[2],
    ), texts


def test_undoing_the_later_change_first_lets_the_earlier_one_be_undone(research):
    before = snapshot()
    run_import(research, ADDITIONS, source="legal.csv")
    first = ChangeSet.objects.get()
    run_import(research, csv_file("Legal,Policy,Ada Lovelace,Adviser"), SYNC)
    second = ChangeSet.objects.exclude(pk=first.pk).get()

    undo(second)
    undo(first)

    assert snapshot() == before


def test_a_change_set_is_undone_only_once(research, editor):
    run_import(research, ADDITIONS, user=editor, source="legal.csv")
    change_set = ChangeSet.objects.get()
    undo(change_set, user=editor)
    before = snapshot()

    with pytest.raises(UndoError) as refused:
        undo(change_set, user=editor)
    undo_set = ChangeSet.objects.get(kind="undo")
    with pytest.raises(UndoError) as refused_undo:
        undo(undo_set, user=editor)

    assert re.fullmatch(
        f"Import #{change_set.pk} was already undone, by editor on {WHEN} "
        f"\\(undo #{undo_set.pk}\\).",
        str(refused.value),
    ), str(refused.value)
    assert str(refused_undo.value).startswith(f"Undo #{undo_set.pk} is itself an undo")
    assert snapshot() == before


def test_a_change_to_a_row_without_history_cannot_be_undone(research, make_credit):
    # Rows written without history (bulk_create, a raw load): what they were is unknown.
    (legal,) = Section.objects.bulk_create([Section(project=research, title="Legal", position=5)])
    make_credit("Grace Hopper", section=legal, title="Counsel lead")
    data = csv_file("Legal,,Grace Hopper,Counsel lead", "Research,Architecture,Mark Chen,")
    run_import(research, data, SYNC)
    assert list(research.sections.values_list("title", flat=True)) == ["Legal", "Research"]
    before = snapshot()

    with pytest.raises(UndoError) as refused:
        undo(ChangeSet.objects.get())

    assert [conflict.text for conflict in refused.value.conflicts] == [
        "Section “GPT-4V: Legal” has no recorded version from before this sync, "
        "so it cannot be put back as it was."
    ]
    assert snapshot() == before


def test_a_credit_added_again_by_hand_clashes_and_nothing_is_undone(research, make_credit):
    run_import(research, csv_file("Research,Architecture,Mark Chen,"), SYNC)
    make_credit("Casey Chu", team=Team.objects.get(name="Architecture"))
    before = snapshot()

    with pytest.raises(UndoError) as refused:
        undo(ChangeSet.objects.get())

    texts = [conflict.text for conflict in refused.value.conflicts]
    assert texts == [
        "Credit “Casey Chu (Architecture)” cannot be put back: "
        "This person already has this credit in this team."
    ]
    assert snapshot() == before


def refuse_inserts_into_roles():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RAISE EXCEPTION 'credits cannot be added'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_role_insert BEFORE INSERT ON people_credit "
                "FOR EACH ROW EXECUTE FUNCTION refuse_insert()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_role_insert BEFORE INSERT ON people_credit "
                "BEGIN SELECT RAISE(ABORT, 'credits cannot be added'); END"
            )


def test_an_undo_that_fails_halfway_changes_nothing(research):
    # The sync adds Alan Turing's credit and removes two; undoing it deletes the one
    # (and its team and person), then fails to bring the two back.
    data = csv_file("Research,Architecture,Mark Chen,", "Research,Data,Alan Turing,")
    run_import(research, data, SYNC)
    change_set = ChangeSet.objects.get()
    refuse_inserts_into_roles()
    before = snapshot()

    with pytest.raises(UndoError, match="The database refused the undo, so nothing was undone"):
        undo(change_set)

    assert snapshot() == before
    assert ChangeSet.objects.count() == 1
    change_set.refresh_from_db()
    assert change_set.undone_by is None


# The admin


def test_editors_see_the_change_sets_and_undo_one_after_confirming(research, editor_client, editor):
    run_import(research, ADDITIONS, user=editor, source="legal.csv")
    change_set = ChangeSet.objects.get()
    before = snapshot()

    listing = editor_client.get(url(ChangeSet, "changelist"))
    detail = editor_client.get(url(ChangeSet, "change", change_set.pk))
    confirmation = editor_client.get(undo_url(change_set))

    assert listing.status_code == 200
    row = page_text(listing).split(f"import #{change_set.pk}</a>")[1].split("</tr>")[0]
    assert "editor" in row
    assert "GPT-4V" in row
    assert "Imported legal.csv into GPT-4V" in row
    assert (
        "4 new credits, 1 unchanged; 3 new people, 1 new section, 2 new teams, 1 sort name changed"
    ) in row
    assert f'href="{undo_url(change_set)}">Undo…</a>' in page_text(detail)
    text = page_text(confirmation)
    assert confirmation.status_code == 200
    assert (
        '<ul class="undo-counts"> <li>3 people, 1 section, 2 teams and 4 credits removed</li> '
        "<li>1 person put back as they were</li> </ul>"
    ) in text
    assert f'<input type="submit" value="Undo import #{change_set.pk}">' in text
    assert snapshot() == before

    response = editor_client.post(undo_url(change_set))

    assert response.status_code == 302
    assert response["Location"] == url(ChangeSet, "change", change_set.pk)
    shown = page_text(editor_client.get(response["Location"]))
    assert (
        f"Undid import #{change_set.pk}: 3 people, 1 section, 2 teams and 4 credits removed; "
        "1 person put back as they were."
    ) in shown
    assert "Undo…" not in shown
    assert not Person.objects.filter(name="Ada Lovelace").exists()


def test_the_confirmation_lists_conflicts_and_offers_no_undo(research, editor_client, editor):
    run_import(research, ADDITIONS, user=editor, source="legal.csv")
    change_set = ChangeSet.objects.get()
    grace = Person.objects.get(name="Grace Hopper")
    grace.orcid = "0000-0002-1825-0097"
    grace._history_user = editor
    grace.save()

    response = editor_client.get(undo_url(change_set))
    refused = editor_client.post(undo_url(change_set))

    for shown in (response, refused):
        text = page_text(shown)
        assert shown.status_code == 200
        assert re.search(
            f"<li>Person “Grace Hopper” was changed by editor on {WHEN} after this import.</li>",
            text,
        )
        assert '<input type="submit"' not in text
    refusal = f"Import #{change_set.pk} cannot be undone: 1 conflict with later changes."
    assert refusal in page_text(refused)
    assert Person.objects.filter(name="Grace Hopper").exists()


def test_a_merge_offers_its_undo(raso, editor_client):
    kept, rasso = raso["kept"], raso["removed"]

    response = editor_client.post(
        url(Person, "changelist"),
        {
            "action": "merge_selected_people",
            "_selected_action": [kept.pk, rasso.pk],
            "keep": kept.pk,
            "previewed": kept.pk,
            "confirm": "yes",
        },
    )

    change_set = ChangeSet.objects.get()
    shown = page_text(editor_client.get(response["Location"]))
    assert (
        f'Merged Filippo Rasso into Filippo Raso. <a href="{undo_url(change_set)}">'
        "Undo this merge</a>"
    ) in shown


def test_undoing_needs_the_permission(research, client, editor):
    run_import(research, ADDITIONS, user=editor, source="legal.csv")
    change_set = ChangeSet.objects.get()
    viewer = User.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_changeset"))
    client.force_login(viewer)
    before = snapshot()

    detail = client.get(url(ChangeSet, "change", change_set.pk))
    confirmation = client.get(undo_url(change_set))
    response = client.post(undo_url(change_set))

    assert detail.status_code == 200
    assert "Undo…" not in page_text(detail)
    assert (confirmation.status_code, response.status_code) == (403, 403)
    assert snapshot() == before


def test_the_undo_page_needs_a_sign_in_and_a_csrf_token(research, editor):
    run_import(research, ADDITIONS, source="legal.csv")
    change_set = ChangeSet.objects.get()
    anonymous = Client().get(undo_url(change_set))
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)

    forged = strict.post(undo_url(change_set))

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")
    assert forged.status_code == 403
    change_set.refresh_from_db()
    assert change_set.undone_by is None


def test_history_links_each_version_to_its_change_set(raso, editor_client, editor):
    merge_people(raso["kept"], [raso["removed"]], user=editor)
    change_set = ChangeSet.objects.get()

    response = editor_client.get(url(Person, "history", raso["removed"].pk))

    link = url(ChangeSet, "change", change_set.pk)
    assert (
        f"<td>Merged into Filippo Raso (#{raso['kept'].pk}) "
        f'(<a href="{link}">change set #{change_set.pk}</a>)</td>'
    ) in page_text(response)


def test_nobody_edits_or_deletes_a_change_set_by_hand(research, admin_client):
    run_import(research, ADDITIONS, source="legal.csv")
    change_set = ChangeSet.objects.get()

    listing = admin_client.get(url(ChangeSet, "changelist"))
    delete = admin_client.post(url(ChangeSet, "delete", change_set.pk), {"post": "yes"})
    add = admin_client.get(url(ChangeSet, "add"))

    assert "Add change set" not in page_text(listing)
    assert (delete.status_code, add.status_code) == (403, 403)
    assert ChangeSet.objects.count() == 1


# The command line


def test_the_command_lists_and_undoes_a_change_set(research):
    run_import(research, ADDITIONS, source="legal.csv")
    change_set = ChangeSet.objects.get()
    listing, out = StringIO(), StringIO()

    call_command("undo_change_set", stdout=listing)
    call_command("undo_change_set", str(change_set.pk), "--yes", stdout=out)

    assert re.fullmatch(
        f"#{change_set.pk} Imported legal.csv into GPT-4V, by the command line on {WHEN}\n",
        listing.getvalue(),
    )
    assert out.getvalue().splitlines()[-2:] == [
        "Undoing it changes: 3 people, 1 section, 2 teams and 4 credits removed; "
        "1 person put back as they were.",
        f"Undid import #{change_set.pk}: 3 people, 1 section, 2 teams and 4 credits removed; "
        "1 person put back as they were.",
    ]
    assert not Person.objects.filter(name="Ada Lovelace").exists()


def test_the_command_asks_before_undoing(research):
    run_import(research, ADDITIONS, source="legal.csv")
    change_set = ChangeSet.objects.get()
    before = snapshot()

    with pytest.raises(CommandError, match="without a terminal to confirm: add --yes"):
        call_command("undo_change_set", str(change_set.pk), stdout=StringIO())

    assert snapshot() == before
