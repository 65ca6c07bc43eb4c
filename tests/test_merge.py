from datetime import UTC, datetime

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission, User
from django.db import DatabaseError, connection
from django.urls import reverse

from people.merging import MergeError, merge_people, plan_merge, suggest_kept, weigh_evidence
from people.models import (
    Acknowledgment,
    Alias,
    Credit,
    DistinctPair,
    Mention,
    Person,
    PersonRedirect,
    Project,
)
from people.spreadsheet.apply import import_credits
from people.spreadsheet.format import read_credits
from people.versions import publish
from tests.admin_pages import page_text
from tests.html_tree import parse

pytestmark = pytest.mark.django_db

CHANGELIST_URL = "/admin/people/person/"


def with_aliases(person, *aliases):
    for alias in aliases:
        Alias.objects.create(person=person, name=alias)
    return person


@pytest.fixture
def credits(make_project, make_section, make_team, make_person, make_credit):
    """Three records of Filippo Raso with overlapping credits, and a bystander."""
    kept = make_person("Filippo Raso")
    rasso = make_person("Filippo Rasso")
    rasso_accent = make_person("Filippo Rassó")
    stasi = make_person("Thomas Stasi")
    project = make_project("GPT-4V", "gpt-4v", is_published=False, assembled_by=rasso)
    section = make_section(project, "Additional contributions")
    legal = make_team(section, "Legal")
    communications = make_team(section, "Communications")
    red_teamers = Acknowledgment.objects.create(project=project, text="We thank our red-teamers.")
    microsoft = Acknowledgment.objects.create(project=project, text="We thank Microsoft.")

    make_credit(kept, team=legal)
    make_credit(kept, section=section, title="Legal lead")
    Mention.objects.create(person=kept, acknowledgment=red_teamers)
    Alias.objects.create(person=kept, name="F. Raso")

    make_credit(rasso, team=legal)
    make_credit(rasso, team=communications)
    make_credit(rasso, section=section, title="Legal lead")
    Mention.objects.create(person=rasso, acknowledgment=red_teamers)
    Mention.objects.create(person=rasso, acknowledgment=microsoft)
    Alias.objects.create(person=rasso, name="F. Raso")
    Alias.objects.create(person=rasso, name="Filippo Raso")
    Alias.objects.create(person=rasso, name="Phil Rasso")

    make_credit(rasso_accent, team=communications)
    make_credit(rasso_accent, team=legal, title="Counsel")
    PersonRedirect.objects.create(old_slug="filippo-r", person=rasso_accent)
    DistinctPair.objects.create(first=kept, second=rasso_accent)

    make_credit(stasi, team=legal)
    Mention.objects.create(person=stasi, acknowledgment=red_teamers)
    DistinctPair.objects.create(first=kept, second=stasi)
    return {"kept": kept, "removed": [rasso, rasso_accent], "stasi": stasi, "project": project}


def snapshot():
    """Every row a merge may touch, for comparing before and after."""
    return {
        "people": list(Person.objects.values_list("id", "name", "slug").order_by("id")),
        "roles": list(
            Credit.objects.values_list("id", "person_id", "team_id", "title").order_by("id")
        ),
        "mentions": list(Mention.objects.values_list("id", "person_id").order_by("id")),
        "aliases": list(Alias.objects.values_list("id", "person_id", "name").order_by("id")),
        "redirects": list(PersonRedirect.objects.values_list("old_slug", "person_id")),
        "distinct": list(DistinctPair.objects.values_list("first_id", "second_id")),
        "assembled_by": list(Project.objects.values_list("assembled_by_id", flat=True)),
        "log": LogEntry.objects.count(),
        "history": [model.history.count() for model in (Person, Credit, Mention, Alias, Project)],
    }


def credit_places(person):
    return sorted(
        (role.team.name if role.team_id else role.section.title, role.title)
        for role in person.credits.select_related("team", "section")
    )


def test_merge_moves_credits_and_collapses_identical_ones(credits):
    kept = credits["kept"]

    merge_people(kept, credits["removed"])

    assert list(Person.objects.values_list("name", flat=True)) == ["Filippo Raso", "Thomas Stasi"]
    assert credit_places(kept) == [
        ("Additional contributions", "Legal lead"),
        ("Communications", ""),
        ("Legal", ""),
        ("Legal", "Counsel"),
    ]
    assert Credit.objects.count() == 5
    assert sorted(kept.mentions.values_list("acknowledgment__text", flat=True)) == [
        "We thank Microsoft.",
        "We thank our red-teamers.",
    ]
    assert Mention.objects.count() == 3
    assert credit_places(credits["stasi"]) == [("Legal", "")]


def test_merge_turns_other_names_into_aliases_without_duplicates(credits):
    kept = credits["kept"]

    merge_people(kept, credits["removed"])

    assert sorted(kept.aliases.values_list("name", flat=True)) == [
        "F. Raso",
        "Filippo Rasso",
        "Filippo Rassó",
        "Phil Rasso",
    ]
    assert Alias.objects.count() == 4


def test_spellings_differing_only_in_case_become_one_alias(make_person):
    kept = with_aliases(make_person("Élodie Durand"), "E. Durand")
    first = with_aliases(make_person("ÉLODIE DURAND"), "e. durand", "Elodie Durand")
    second = with_aliases(make_person("Elodie DURAND"), "ELODIE DURAND")

    merge_people(kept, [first, second])

    assert sorted(kept.aliases.values_list("name", flat=True)) == ["E. Durand", "Elodie Durand"]


def test_merge_redirects_old_addresses_and_repoints_projects_and_decisions(credits):
    kept = credits["kept"]

    merge_people(kept, credits["removed"])

    assert dict(PersonRedirect.objects.values_list("old_slug", "person_id")) == {
        "filippo-r": kept.pk,
        "filippo-rasso": kept.pk,
        "filippo-rasso-2": kept.pk,
    }
    credits["project"].refresh_from_db()
    assert credits["project"].assembled_by == kept
    assert list(DistinctPair.objects.values_list("first_id", "second_id")) == [
        (kept.pk, credits["stasi"].pk)
    ]


def test_old_person_page_redirects_permanently_to_the_kept_one(client, credits):
    project = credits["project"]
    project.publish()
    project.save()
    publish(project)
    merge_people(credits["kept"], credits["removed"])

    response = client.get("/people/filippo-rasso/")

    assert response.status_code == 301
    assert response["Location"] == "/people/filippo-raso/"


def test_an_old_address_leads_nowhere_while_the_kept_person_is_on_no_published_page(
    client, credits
):
    merge_people(credits["kept"], credits["removed"])

    response = client.get("/people/filippo-rasso/")

    # The new address would tell the public a name that no published page shows yet.
    assert response.status_code == 404


def test_a_later_import_using_any_merged_name_lands_on_the_kept_person(credits):
    merge_people(credits["kept"], credits["removed"])
    data = (
        "section,team,person,role\n"
        "Additional contributions,Policy,Filippo Rasso,\n"
        "Additional contributions,Policy,FILIPPO RASSÓ,Adviser\n"
        "Additional contributions,Policy,Phil Rasso,Reviewer\n"
    ).encode()

    plan = import_credits(credits["project"], read_credits(data))

    assert plan.changes.new_people == {}
    assert list(Person.objects.values_list("name", flat=True)) == ["Filippo Raso", "Thomas Stasi"]
    assert sorted(
        Credit.objects.filter(team__name="Policy").values_list("person__name", "title")
    ) == [
        ("Filippo Raso", ""),
        ("Filippo Raso", "Adviser"),
        ("Filippo Raso", "Reviewer"),
    ]


def test_merge_is_recorded_in_the_history(credits, editor):
    kept, (rasso, rasso_accent) = credits["kept"], credits["removed"]

    merge_people(kept, credits["removed"], user=editor)

    entries = LogEntry.objects.order_by("id")
    assert [(entry.object_id, entry.action_flag, entry.change_message) for entry in entries] == [
        (str(rasso.pk), DELETION, f"Merged into Filippo Raso (#{kept.pk})"),
        (str(rasso_accent.pk), DELETION, f"Merged into Filippo Raso (#{kept.pk})"),
        (
            str(kept.pk),
            CHANGE,
            f"Merged Filippo Rasso (#{rasso.pk}), Filippo Rassó (#{rasso_accent.pk}) "
            "into this person.",
        ),
    ]
    reason = f"Merged into Filippo Raso (#{kept.pk})"
    role_history = Credit.history.filter(history_change_reason=reason)
    assert sorted(role_history.values_list("history_type", flat=True)) == ["-", "-", "-", "~", "~"]
    assert set(role_history.values_list("history_user", flat=True)) == {editor.pk}
    removed_history = Person.history.filter(history_type="-").values_list("name", flat=True)
    assert sorted(removed_history) == ["Filippo Rasso", "Filippo Rassó"]
    assert Alias.history.filter(history_type="+", name="Filippo Rasso").exists()


def test_merge_that_fails_halfway_changes_nothing(credits):
    # A trigger makes the last step (deleting the merged people) fail for real,
    # after the credits, aliases and redirects have already been written.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RAISE EXCEPTION 'people cannot be deleted'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_person_delete BEFORE DELETE ON people_person "
                "FOR EACH ROW EXECUTE FUNCTION refuse_delete()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_person_delete BEFORE DELETE ON people_person "
                "BEGIN SELECT RAISE(ABORT, 'people cannot be deleted'); END"
            )
    before = snapshot()

    with pytest.raises(DatabaseError, match="people cannot be deleted"):
        merge_people(credits["kept"], credits["removed"])

    assert snapshot() == before


def test_merge_refuses_a_person_who_no_longer_exists(credits, make_person):
    gone = make_person("Filippo Raso", slug="gone")
    Person.objects.filter(pk=gone.pk).delete()
    before = snapshot()

    with pytest.raises(MergeError, match="no longer exists"):
        merge_people(credits["kept"], [*credits["removed"], gone])

    assert snapshot() == before


def test_plan_refuses_keeping_a_person_who_is_also_merged(credits):
    kept = credits["kept"]

    with pytest.raises(MergeError, match="cannot also be one of the people merged"):
        plan_merge(kept, [kept])


def select(client, people, **data):
    return client.post(
        CHANGELIST_URL,
        {"action": "merge_selected_people", "_selected_action": [p.pk for p in people], **data},
    )


def test_merge_preview_shows_every_change_and_writes_nothing(editor_client, credits):
    kept, removed = credits["kept"], credits["removed"]
    Alias.objects.filter(name="Phil Rasso").update(is_public=True)
    before = snapshot()

    response = select(editor_client, [kept, *removed], keep=kept.pk)

    assert response.status_code == 200
    text = page_text(response)
    assert f'<input type="radio" name="keep" value="{kept.pk}" checked> Filippo Raso' in text
    moved = text.split("Credits that move to Filippo Raso</h3>")[1].split("</ul>")[0]
    assert moved.count("<li>") == 2
    assert "Filippo Rasso: GPT-4V › Additional contributions › Communications</li>" in moved
    assert "Filippo Rassó: GPT-4V › Additional contributions › Legal — Counsel</li>" in moved
    collapsed = text.split("Credits that collapse into one")[1].split("</ul>")[0]
    assert collapsed.count("<li>") == 3
    assert "Filippo Rasso: GPT-4V › Additional contributions — Legal lead</li>" in collapsed
    assert "Filippo Rassó: GPT-4V › Additional contributions › Communications</li>" in collapsed
    mentions = text.split("Acknowledgment mentions that move</h3>")[1].split("</ul>")[0]
    assert "Filippo Rasso: GPT-4V › “We thank Microsoft.”" in mentions
    aliases = text.split("Names that become aliases of Filippo Raso</h3>")[1].split("</ul>")[0]
    assert "Private unless marked (public)" in aliases
    assert aliases.split('<ul class="new-aliases">')[1] == (
        " <li>Filippo Rasso</li> <li>Filippo Rassó</li> <li>Phil Rasso (public)</li> "
    )
    redirects = text.split("will redirect to /people/filippo-raso/</h3>")[1].split("</ul>")[0]
    assert redirects.count("<li>") == 3
    assert "<li>/people/filippo-r/</li>" in redirects
    assert "<li>GPT-4V</li>" in text.split("now by Filippo Raso</h3>")[1]
    assert "<li>Filippo Raso and Filippo Rassó on " in text
    assert snapshot() == before


def test_merge_preview_keeps_by_default_the_name_the_others_spellings_point_to(
    editor_client, credits
):
    # Filippo Rasso has the most credits, but one of his other spellings is "Filippo Raso":
    # the name of the oldest record, which is kept.
    kept, (rasso, rasso_accent) = credits["kept"], credits["removed"]

    response = select(editor_client, [kept, rasso, rasso_accent])

    text = page_text(response)
    assert f'value="{kept.pk}" checked> Filippo Raso' in text
    assert (
        "Suggested: Filippo Raso, as the name the others’ spellings point to and the oldest "
        "record." in text
    )


@pytest.fixture
def jose(make_project, make_section, make_team, make_person, make_credit):
    """José Pérez, on a page since 2023, and José Perez, imported since with two credits."""
    established = make_person("José Pérez")
    old_team = make_team(make_section(make_project("GPT-4", "gpt-4"), "Research"), "Vision")
    make_credit(established, team=old_team)
    Person.history.filter(id=established.pk).update(history_date=datetime(2023, 9, 25, tzinfo=UTC))
    imported = make_person("José Perez")
    Person.history.filter(id=imported.pk).update(history_date=datetime(2026, 11, 29, tzinfo=UTC))
    new_section = make_section(make_project("GPT-5", "gpt-5"), "Research")
    make_credit(imported, team=make_team(new_section, "Vision"))
    make_credit(imported, section=new_section, title="Vision lead")
    return established, imported


def test_merge_preview_keeps_the_established_record_and_shows_why(editor_client, jose):
    established, imported = jose

    response = select(editor_client, [imported, established])

    page = parse(response.content.decode())
    rows = page.find("table", "merge-evidence").find("tbody").find_all("tr")
    assert [
        [cell.text() for cell in row.children if not isinstance(cell, str)] for row in rows
    ] == [
        [
            "José Pérez",
            "/people/jose-perez/",
            "1",
            "1",
            "",
            f"#{established.pk}, added 25 September 2023",
            "",
        ],
        [
            "José Perez",
            "/people/jose-perez-2/",
            "2",
            "1",
            "",
            f"#{imported.pk}, added 29 November 2026",
            "",
        ],
    ]
    assert f'value="{established.pk}" checked> José Pérez' in page_text(response)
    assert "Suggested: José Pérez, as the oldest record." in page_text(response)
    assert "José Pérez keeps the page address /people/jose-perez/." in page_text(response)


def test_merging_as_suggested_keeps_the_established_address(client, editor_client, jose):
    established, imported = jose
    preview = select(editor_client, [imported, established])
    kept = preview.context["plan"].kept.pk

    select(editor_client, [imported, established], keep=kept, previewed=kept, confirm="yes")

    assert list(Person.objects.values_list("name", "slug")) == [("José Pérez", "jose-perez")]
    assert client.get("/people/jose-perez/").status_code == 200
    assert client.get("/people/jose-perez-2/")["Location"] == "/people/jose-perez/"


def test_more_projects_and_credits_outweigh_age(editor_client, jose, make_project, make_section):
    established, imported = jose
    section = make_section(make_project("GPT-6", "gpt-6"), "Research")
    Credit.objects.create(person=imported, section=section, title="Lead")

    response = select(editor_client, [imported, established])

    assert f'value="{imported.pk}" checked> José Perez' in page_text(response)
    assert "Suggested: José Perez, as credited on more projects and with more credits." in (
        page_text(response)
    )


def test_an_orcid_and_the_name_others_spell_count_as_evidence(make_person):
    oldest = with_aliases(make_person("A. Lovelace"), "Ada Lovelace")
    with_orcid = make_person("Ada Lovelace", orcid="0000-0002-1825-0097")
    newest = make_person("Ada King")

    evidence = weigh_evidence([newest, with_orcid, oldest])
    suggested, reasons = suggest_kept(evidence)

    assert [(item.person, item.has_orcid, item.named_by) for item in evidence] == [
        (oldest, False, ()),
        (with_orcid, True, ("A. Lovelace",)),
        (newest, False, ()),
    ]
    assert suggested == with_orcid
    assert reasons == ["the name the others’ spellings point to", "the one with an ORCID iD"]


def test_confirming_the_merge_merges_and_shows_the_kept_person(editor_client, credits):
    kept, removed = credits["kept"], credits["removed"]

    response = select(
        editor_client, [kept, *removed], keep=kept.pk, previewed=kept.pk, confirm="yes"
    )

    assert response.status_code == 302
    assert response.url == reverse("admin:people_person_change", args=[kept.pk])
    page = editor_client.get(response.url)
    assert "Merged Filippo Rasso, Filippo Rassó into Filippo Raso." in page.content.decode()
    assert list(Person.objects.values_list("name", flat=True)) == ["Filippo Raso", "Thomas Stasi"]
    assert LogEntry.objects.get(action_flag=CHANGE).user == page.wsgi_request.user


def test_confirming_after_choosing_another_record_shows_the_preview_again(editor_client, credits):
    kept, (rasso, rasso_accent) = credits["kept"], credits["removed"]
    before = snapshot()

    response = select(
        editor_client, [kept, rasso, rasso_accent], keep=rasso.pk, previewed=kept.pk, confirm="yes"
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "You chose another record to keep: check what will change, then confirm." in text
    assert "What merging into Filippo Rasso changes" in text
    assert snapshot() == before


def test_merging_one_person_asks_for_more(editor_client, credits):
    response = select(editor_client, [credits["kept"]])

    assert response.status_code == 302
    assert "Select at least two people to merge." in page_text(editor_client.get(response.url))
    assert Person.objects.count() == 4


def test_merge_action_needs_the_delete_permission(client, credits):
    user = User.objects.create_user("changer", password="changer-password-123", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_person", "change_person"])
    )
    client.force_login(user)
    kept, removed = credits["kept"], credits["removed"]

    listing = client.get(CHANGELIST_URL)
    response = select(client, [kept, *removed], keep=kept.pk, previewed=kept.pk, confirm="yes")

    assert "Merge selected people" not in listing.content.decode()
    assert response.status_code == 200
    assert "<title>Select person to change" in response.content.decode()
    assert Person.objects.count() == 4


def test_merge_action_is_offered_to_editors(editor_client, credits):
    response = editor_client.get(CHANGELIST_URL)

    assert '<option value="merge_selected_people">Merge selected people…</option>' in (
        response.content.decode()
    )


def test_merge_preview_escapes_names(editor_client, make_person):
    first = make_person("<b>Eve</b> Adams")
    second = make_person("Eve Adams")

    response = select(editor_client, [first, second], keep=second.pk)

    text = response.content.decode()
    assert "<b>Eve</b>" not in text
    assert "<li>&lt;b&gt;Eve&lt;/b&gt; Adams</li>" in text


def test_the_kept_persons_history_shows_the_merge_with_the_editor(editor_client, credits):
    kept, (rasso, rasso_accent) = credits["kept"], credits["removed"]
    select(editor_client, [kept, rasso, rasso_accent], keep=kept.pk, previewed=kept.pk, confirm=1)

    response = editor_client.get(reverse("admin:people_person_history", args=[kept.pk]))

    latest = response.context["page_obj"][0]
    reason = (
        f"Merged Filippo Rasso (#{rasso.pk}), Filippo Rassó (#{rasso_accent.pk}) into this person."
    )
    assert (latest.history_type, latest.history_user.username) == ("~", "editor")
    assert latest.history_change_reason == reason
    assert reason in page_text(response)
    assert "2 versions" in page_text(response)


def test_merging_people_with_long_names_records_shortened_reasons(credits, editor):
    kept, removed = credits["kept"], credits["removed"]
    Person.objects.filter(pk=kept.pk).update(name="Filippo " + "Raso" * 45)
    for person in removed:
        Person.objects.filter(pk=person.pk).update(name="Filippo " + "Rasso" * 38)

    merge_people(kept, removed, user=editor)

    reasons = {
        reason
        for model in (Person, Credit, Alias)
        for reason in model.history.exclude(history_change_reason=None).values_list(
            "history_change_reason", flat=True
        )
    }
    assert len(reasons) == 2
    assert all(len(reason) == 100 and reason.endswith("…") for reason in reasons)
    assert Person.objects.get(pk=kept.pk).name == "Filippo " + "Raso" * 45
