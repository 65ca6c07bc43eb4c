"""Other spellings are private unless marked public (Alias.is_public).

A private spelling finds its person everywhere editors and imports look, and
nowhere the public looks: no page, file, search, filter data or cached page
holds its bytes.
"""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from people.changesets.undo import undo
from people.merging import merge_people
from people.models import Alias, Credit, Person, Version
from people.restoring import restore_draft
from people.reviews.answers import Change, propose
from people.reviews.decisions import DecisionError, accept
from people.reviews.models import Proposal, Review
from people.spreadsheet.apply import import_credits
from people.spreadsheet.format import read_credits
from people.textimport.apply import import_text
from people.textimport.decode import HTML
from people.textimport.reader import read_text
from people.versions import publish
from tests.admin_pages import messages_after, page_text, url
from tests.html_tree import parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_rate_limit")]

PRIVATE = "Madelaine Boyd"
PUBLIC = "Maddie Boyd"


@pytest.fixture
def boyd(make_project, make_section, make_team, make_credit):
    """ "Vision" published twice: Madeline Boyd with a private and a public other spelling.

    Version 1 has neither spelling; version 2 adds the public one (a change its
    changelog describes), and the private one was there all along.
    """
    project = make_project("Vision credits", "vision", citation="Example Lab (2023)")
    section = make_section(project, "Research contributions")
    credit = make_credit("Madeline Boyd", team=make_team(section, "Data"), title="Data lead")
    make_credit("Ada Lovelace", section=section, title="Overall lead")
    person = credit.person
    Alias.objects.create(person=person, name=PRIVATE)
    publish(project)
    Alias.objects.create(person=person, name=PUBLIC, is_public=True)
    publish(project)
    return person


PUBLIC_PATHS = [
    "/",
    "/credits/vision/",
    "/credits/vision/credits.json",
    "/credits/vision/credits.csv",
    "/credits/vision/CITATION.cff",
    "/credits/vision/citation.bib",
    "/credits/vision/changes/",
    "/credits/vision/changes.atom",
    "/credits/vision/v/1/",
    "/credits/vision/v/2/",
    "/credits/vision/v/1/credits.json",
    "/credits/vision/v/2/credits.json",
    "/credits/vision/v/2/credits.csv",
    "/credits/vision/v/2/CITATION.cff",
    "/credits/vision/v/2/citation.bib",
    "/people/madeline-boyd/",
    "/search/?q=boyd",
    "/search/?q=madelaine",
]


def bytes_of(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content


# No public surface reveals a private spelling


def test_no_public_page_or_file_holds_a_private_spelling(client, boyd):
    private = PRIVATE.encode()

    holding = [path for path in PUBLIC_PATHS if private in bytes_of(client, path)]
    # Twice: the second time from the page cache.
    cached = [path for path in PUBLIC_PATHS if private in bytes_of(client, path)]

    assert (holding, cached) == ([], [])


def test_the_public_spelling_shows_where_other_spellings_are_shown(client, boyd):
    project_page = parse(client.get("/credits/vision/").text)
    person_page = parse(client.get("/people/madeline-boyd/").text)
    found = parse(client.get("/search/", {"q": "maddie"}).text).find("ol", "search-results")

    link = [a for a in project_page.find_all("a", "person") if a.text() == "Madeline Boyd"][0]
    assert json.loads(link.attrs["data-aliases"]) == [PUBLIC]
    assert person_page.find("p", "aliases").text() == f"Also credited as {PUBLIC}."
    assert found.find("span", "other-spellings").text() == f"(matched: {PUBLIC})"
    assert "Madeline Boyd: other spellings changed" in client.get("/credits/vision/changes/").text


def test_a_public_search_for_a_private_spelling_finds_no_one(client, boyd):
    page = parse(client.get("/search/", {"q": "madelaine"}).text)

    assert page.find_all("ol", "search-results") == []
    assert page.find("p", "search-message").text() == "No one matches “madelaine”."


def test_editors_search_finds_a_person_by_a_private_spelling_and_says_it_is_private(
    editor_client, boyd
):
    page = parse(editor_client.get("/search/", {"q": "madelaine"}).text)

    result = page.find("ol", "search-results").find_all("li")[0]
    assert result.find("a", "result-name").text() == "Madeline Boyd"
    assert result.find("span", "other-spellings").text() == (
        f"(matched: {PRIVATE} (private); also {PUBLIC})"
    )


def test_the_editors_draft_page_carries_only_public_spellings_too(editor_client, boyd):
    draft = editor_client.get("/credits/vision/").content

    assert PUBLIC.encode() in draft
    assert PRIVATE.encode() not in draft


def test_versions_store_only_the_spellings_public_when_published(boyd):
    first, second = Version.objects.order_by("number")

    assert "aliases" not in first.content["people"].get(str(boyd.pk), {})
    assert second.content["people"][str(boyd.pk)]["aliases"] == [PUBLIC]


def test_a_spelling_made_private_disappears_from_every_version_at_once(client, boyd):
    before = {path: bytes_of(client, path) for path in PUBLIC_PATHS}

    Alias.objects.filter(name=PUBLIC).get().save()  # saved unchanged: nothing moves
    unchanged = {path: bytes_of(client, path) for path in PUBLIC_PATHS}
    alias = Alias.objects.get(name=PUBLIC)
    alias.is_public = False
    alias.save()

    assert unchanged == before
    assert PUBLIC.encode() in before["/credits/vision/v/2/"]
    assert [path for path in PUBLIC_PATHS if PUBLIC.encode() in bytes_of(client, path)] == []
    # The version keeps what it was published with, should the spelling be public again.
    assert Version.objects.get(number=2).content["people"][str(boyd.pk)]["aliases"] == [PUBLIC]


def test_a_spelling_made_private_and_public_again_shows_again_without_publishing(client, boyd):
    alias = Alias.objects.get(name=PUBLIC)
    alias.is_public = False
    alias.save()
    client.get("/credits/vision/v/2/")

    alias.is_public = True
    alias.save()

    assert PUBLIC in client.get("/credits/vision/v/2/").text


def test_making_a_spelling_private_is_no_change_to_publish(boyd):
    alias = Alias.objects.get(name=PUBLIC)
    alias.is_public = False
    alias.save()

    with pytest.raises(Exception, match="Nothing changed since version 2"):
        publish(boyd.credits.get().team.section.project)


# A private spelling still finds its person


def test_the_admin_finds_a_person_by_a_private_spelling(editor_client, boyd):
    listed = editor_client.get(url(Person, "changelist"), {"q": "madelaine"})
    autocomplete = editor_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "people",
            "model_name": "credit",
            "field_name": "person",
            "term": "madelaine",
        },
    )

    assert [person.name for person in listed.context["cl"].result_list] == ["Madeline Boyd"]
    assert [item["text"] for item in autocomplete.json()["results"]] == ["Madeline Boyd"]
    assert f"{PUBLIC} (public), {PRIVATE}" in page_text(listed)


def test_a_credits_file_matches_a_private_spelling(boyd):
    project = boyd.credits.get().team.section.project
    people = Person.objects.count()

    data = f"section,team,person,role\nResearch contributions,Red team,{PRIVATE},\n"
    rows = read_credits(data.encode())
    import_credits(project, rows)

    assert Person.objects.count() == people
    assert Credit.objects.get(team__name="Red team").person == boyd


def test_a_text_import_matches_a_private_spelling(boyd, make_project):
    project = make_project("Atlas", "atlas")
    page = f"<h1>Atlas</h1><h2>Research</h2><p>{PRIVATE}, Grace Hopper</p>"

    import_text(project, read_text(page, HTML))

    names = Credit.objects.in_projects([project]).values_list("person__name", flat=True)
    assert sorted(names) == ["Grace Hopper", "Madeline Boyd"]


# Editors mark a spelling public


def test_editors_mark_a_spelling_public_in_the_persons_form(editor_client, editor, boyd, form_data):
    change = url(Person, "change", boyd.pk)
    page = editor_client.get(change)
    data = form_data(page)
    [index] = [
        key.split("-")[1]
        for key, value in data.items()
        if key.endswith("-name") and value == PRIVATE
    ]

    response = editor_client.post(change, {**data, f"aliases-{index}-is_public": "on"})

    assert response.status_code == 302
    assert "Public (“also credited as”)" in page.content.decode()
    alias = Alias.objects.get(name=PRIVATE)
    assert alias.is_public
    record = alias.history.first()
    assert (record.is_public, record.history_user) == (True, editor)
    assert alias.history.all()[1].is_public is False


def test_the_alias_list_filters_by_public(editor_client, boyd):
    private = editor_client.get(url(Alias, "changelist"), {"is_public__exact": "0"})

    assert [alias.name for alias in private.context["cl"].result_list] == [PRIVATE]


# The person asks, through their review


@pytest.fixture
def boyd_review(client, boyd, open_review):
    """Madeline Boyd's review of Vision, opened with her link in `client`; its page address."""
    review, link = open_review(boyd, boyd.credits.get().team.section.project)
    return review, client.get(link)["Location"]


def review_form(boyd, **changes):
    credit = boyd.credits.get()
    private, public = Alias.objects.get(name=PRIVATE), Alias.objects.get(name=PUBLIC)
    data = {
        "action": "propose",
        "name": "Madeline Boyd",
        "sort_name": "",
        "orcid": "",
        "homepage": "",
        f"title-{credit.pk}": "Data lead",
        f"alias-{public.pk}": "on",
        "missing": "",
        "note": "",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}, private, public


def test_the_review_page_shows_the_person_their_spellings_and_whether_each_is_public(
    client, boyd_review
):
    review, page_address = boyd_review

    page = parse(client.get(page_address).text)

    assert page.find("dd", "review-public-aliases").text() == PUBLIC
    boxes = {
        label.text(): "checked" in label.find("input").attrs
        for label in page.find("fieldset", "review-aliases").find_all("label")
    }
    assert boxes == {f"Show “{PUBLIC}” publicly": True, f"Show “{PRIVATE}” publicly": False}


def test_the_person_asks_to_show_a_spelling_and_the_editor_accepts(
    client, boyd, boyd_review, editor_client, editor
):
    review, page_address = boyd_review
    data, private, public = review_form(
        boyd, **{f"alias-{Alias.objects.get(name=PRIVATE).pk}": "on"}
    )

    client.post(page_address, data)
    client.post(page_address, data)
    [proposal] = review.proposals.all()
    queue = page_text(editor_client.get(url(Review, "change", review.pk)))
    response = editor_client.post(
        url(Review, "change", review.pk), {"proposal": proposal.pk, "decision": "accept"}
    )

    assert (proposal.kind, proposal.value, proposal.alias) == ("alias_public", PRIVATE, private)
    assert f"Show a spelling publicly<br><small>“{PRIVATE}”</small>" in queue
    assert f"<td>“{PRIVATE}”: private</td> <td>Public</td>" in queue
    assert messages_after(editor_client, response) == ["Accepted and applied."]
    private.refresh_from_db()
    assert private.is_public
    record = private.history.first()
    assert (record.history_user, record.history_change_reason) == (
        editor,
        "Accepted from Madeline Boyd's review",
    )
    entry = LogEntry.objects.filter(object_id=str(private.pk), content_type__model="alias").get()
    assert entry.get_change_message() == (
        "Accepted from Madeline Boyd's review: show a spelling publicly."
    )
    seen = page_text(client.get(page_address))
    assert f"Show a spelling publicly</strong>: “{PRIVATE}”" in seen
    assert "Accepted by the editors" in seen


def test_the_person_asks_to_hide_a_public_spelling_and_it_leaves_the_public_pages(
    client, boyd, boyd_review, editor
):
    review, page_address = boyd_review
    data, private, public = review_form(
        boyd, **{f"alias-{Alias.objects.get(name=PUBLIC).pk}": None}
    )

    client.post(page_address, data)
    [proposal] = review.proposals.all()
    accept(proposal, editor)

    assert proposal.kind == "alias_private"
    public.refresh_from_db()
    assert not public.is_public
    assert PUBLIC.encode() not in Client().get("/credits/vision/").content


def test_a_newer_wish_about_a_spelling_replaces_the_one_still_to_decide(boyd):
    review = Review.objects.create(person=boyd, project=boyd.credits.get().team.section.project)
    alias = Alias.objects.get(name=PRIVATE)

    propose(review, [Change(Proposal.Kind.ALIAS_PUBLIC, PRIVATE, alias_id=alias.pk)])
    again = propose(review, [Change(Proposal.Kind.ALIAS_PUBLIC, PRIVATE, alias_id=alias.pk)])
    propose(review, [Change(Proposal.Kind.ALIAS_PRIVATE, PRIVATE, alias_id=alias.pk)])

    assert again == 0
    assert list(review.proposals.values_list("kind", "status")) == [("alias_private", "pending")]


def test_a_wish_about_someone_elses_spelling_is_not_recorded(boyd, make_person):
    review = Review.objects.create(person=boyd, project=boyd.credits.get().team.section.project)
    other = Alias.objects.create(person=make_person("Ada King"), name="Ada K.")

    recorded = propose(review, [Change(Proposal.Kind.ALIAS_PUBLIC, "Ada K.", alias_id=other.pk)])

    assert recorded == 0
    assert not review.proposals.exists()


def test_accepting_a_wish_about_a_spelling_deleted_since_says_so_and_changes_nothing(boyd, editor):
    review = Review.objects.create(person=boyd, project=boyd.credits.get().team.section.project)
    alias = Alias.objects.get(name=PRIVATE)
    propose(review, [Change(Proposal.Kind.ALIAS_PUBLIC, PRIVATE, alias_id=alias.pk)])
    alias.delete()
    proposal = review.proposals.get()

    with pytest.raises(DecisionError, match="This other spelling no longer exists"):
        accept(proposal, editor)

    proposal.refresh_from_db()
    assert proposal.status == "pending"


# Merging, restoring, undoing


def test_a_merge_keeps_each_spellings_flag_and_the_merged_name_becomes_private(
    client, boyd, make_person
):
    other = make_person("Madeline J. Boyd")
    Alias.objects.create(person=other, name="M. J. Boyd", is_public=True)

    merge_people(boyd, [other])

    assert sorted(boyd.aliases.values_list("name", "is_public")) == [
        ("M. J. Boyd", True),
        (PUBLIC, True),
        (PRIVATE, False),
        ("Madeline J. Boyd", False),
    ]
    person_page = client.get("/people/madeline-boyd/").text
    assert "M. J. Boyd" in person_page and "Madeline J. Boyd" not in person_page


def test_undoing_a_merge_moves_a_public_spelling_off_the_cached_pages(client, boyd, make_person):
    other = make_person("Madeline J. Boyd")
    Alias.objects.create(person=other, name="M. J. Boyd", is_public=True)
    plan = merge_people(boyd, [other])
    publish(boyd.credits.get().team.section.project)
    assert "M. J. Boyd" in client.get("/credits/vision/").text

    undo(plan.change_set)

    assert Alias.objects.get(name="M. J. Boyd").person.name == "Madeline J. Boyd"
    assert "M. J. Boyd" not in client.get("/credits/vision/").text


def test_restoring_a_person_deleted_since_brings_their_spellings_back_private(boyd):
    project = boyd.credits.get().team.section.project
    version = Version.objects.get(project=project, number=2)
    boyd_id = boyd.pk
    Credit.objects.filter(person=boyd).delete()
    boyd.delete()

    restore_draft(project, version)

    recreated = Person.objects.get(pk=boyd_id)
    assert list(recreated.aliases.values_list("name", "is_public")) == [(PUBLIC, False)]
