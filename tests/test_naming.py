"""Named, or not (issue 11): a person not named on a project, or never listed anywhere.

The public pages, their files, search, person pages and the changelog apply the
choice when they are served (people/naming.py), so a choice made after publishing
applies at once to every published version.
"""

import json

import pytest

from people.changelog import changelog
from people.changesets.undo import undo
from people.merging import merge_people
from people.models import (
    Acknowledgment,
    ChangeSet,
    Credit,
    Mention,
    NotNamed,
    Person,
    PersonRedirect,
    Version,
)
from people.naming import Choice, choose, names_not_to_show, without_names
from people.spreadsheet.plan import SYNC
from people.versions import publish
from tests.admin_pages import page_text, url
from tests.html_tree import parse
from tests.spreadsheets import csv_file, run_import
from tests.test_views import PERSON_PAGE_QUERIES, PROJECT_PAGE_QUERIES, SEARCH_QUERIES

pytestmark = pytest.mark.django_db

HIDDEN = ["Jane Doe", "jane-doe", "Sam Roe", "sam-roe"]


@pytest.fixture
def vision(make_project, make_person, make_section, make_team, make_credit):
    """The published page "Vision", as published: everyone named.

    Research contributions: lead lines Ada Lovelace (Overall lead) and Jane Doe (Data
    lead); team Data: Ann Young, Bob Zed, Jane Doe, Sam Roe. Safety contributions: team
    Red team, titled: Carl Ode (Chair), Jane Doe (Member); team Evals: Sam Roe alone.
    An acknowledgment thanks Paul Röttger and Jane Doe, who assembled the credits. Jane
    Doe is also credited on the page "Other work".
    """
    jane = make_person("Jane Doe")
    sam = make_person("Sam Roe")
    project = make_project("Vision", "vision", assembled_by=jane)
    research = make_section(project, "Research contributions")
    safety = make_section(project, "Safety contributions")
    make_credit("Ada Lovelace", section=research, title="Overall lead")
    make_credit(jane, section=research, title="Data lead")
    data = make_team(research, "Data")
    for person in ["Bob Zed", jane, "Ann Young", sam]:
        make_credit(person, team=data)
    red_team = make_team(safety, "Red team")
    make_credit("Carl Ode", team=red_team, title="Chair")
    make_credit(jane, team=red_team, title="Member")
    make_credit(sam, team=make_team(safety, "Evals"))
    thanks = Acknowledgment.objects.create(project=project, text="We thank our red teamers:")
    Mention.objects.create(acknowledgment=thanks, person=jane)
    Mention.objects.create(acknowledgment=thanks, person=make_person("Paul Röttger"))
    publish(project)
    other = make_project("Other work", "other")
    make_credit(jane, section=make_section(other, "Authors"), title="Writer")
    publish(other)
    return {"project": project, "other": other, "jane": jane, "sam": sam}


@pytest.fixture
def declined(vision):
    """Vision once Jane Doe asked not to be named on it and Sam Roe never to be listed."""
    choose(vision["jane"], vision["project"], Choice.NOT_NAMED)
    choose(vision["sam"], vision["project"], Choice.NEVER_LISTED)
    return vision


def assert_names_none_hidden(content):
    text = content.decode() if isinstance(content, bytes) else content
    for hidden in HIDDEN:
        assert hidden not in text


# The project page


def test_the_page_counts_the_people_not_named_at_the_end_of_each_list(client, declined):
    page = parse(client.get("/credits/vision/").text)

    research = page.by_id("research-contributions")
    assert [item.text() for item in research.find("ul", "leads").find_all("li")] == [
        "Ada Lovelace Overall lead",
        "and 1 other",
    ]
    assert research.by_id("research-contributions--data").find("ul", "names").text() == (
        "Ann Young, Bob Zed and 2 others"
    )
    safety = page.by_id("safety-contributions")
    assert [item.text() for item in safety.find("ul", "titled").find_all("li")] == [
        "Carl Ode Chair",
        "and 1 other",
    ]
    assert safety.by_id("safety-contributions--evals").find("ul", "names").text() == (
        "1 person not named"
    )
    assert page.find("div", "acknowledgment").find("ul", "names").text() == (
        "Paul Röttger and 1 other"
    )


def test_the_contents_count_the_people_not_named_once_each(client, declined):
    contents = parse(client.get("/credits/vision/").text).find("nav")

    assert [item.text() for item in contents.find_all("li")][:3] == [
        "Research contributions (5) Data (4)",
        "Data (4)",
        "Safety contributions (3) Red team (2) Evals (1)",
    ]


def test_the_page_names_nobody_who_declined_not_even_as_its_assembler(client, declined):
    response = client.get("/credits/vision/")

    assert_names_none_hidden(response.content)
    assert "Assembled by" not in response.text
    assert "Ada Lovelace" in response.text


def test_a_choice_made_after_publishing_applies_at_once_and_can_be_taken_back(client, vision):
    assert "Jane Doe" in client.get("/credits/vision/").text

    choose(vision["jane"], vision["project"], Choice.NOT_NAMED)

    assert "Jane Doe" not in client.get("/credits/vision/").text
    assert "Jane Doe" not in client.get("/credits/vision/v/1/").text
    assert Version.objects.filter(project=vision["project"]).count() == 1
    choose(vision["jane"], vision["project"], Choice.NAMED)
    assert "Jane Doe" in client.get("/credits/vision/").text


def test_never_listed_applies_to_every_project_at_once(client, vision):
    client.get("/credits/other/")

    choose(vision["jane"], vision["project"], Choice.NEVER_LISTED)

    for address in ["/credits/vision/", "/credits/other/"]:
        response = client.get(address)
        assert response.status_code == 200
        assert "Jane Doe" not in response.text
    assert "1 person not named" in page_text(client.get("/credits/other/"))


def test_editors_see_the_draft_as_readers_will_with_the_people_not_named_listed(
    editor_client, declined
):
    page = parse(editor_client.get("/credits/vision/").text)

    assert page.find("span", "not-named-people").text() == "Jane Doe, Sam Roe"
    research = page.by_id("research-contributions")
    assert research.find("ul", "leads").text() == "Ada Lovelace Overall lead and 1 other"


def test_the_query_count_of_the_page_is_unchanged(client, declined, django_assert_num_queries):
    # One fewer than PROJECT_PAGE_QUERIES: this page has no other spellings to check.
    with django_assert_num_queries(PROJECT_PAGE_QUERIES - 1):
        response = client.get("/credits/vision/")

    assert "and 2 others" in response.text


# Files


def test_no_file_names_the_people_not_named(client, declined):
    for name in ["credits.json", "credits.csv", "CITATION.cff", "citation.bib"]:
        for address in [f"/credits/vision/{name}", f"/credits/vision/v/1/{name}"]:
            response = client.get(address)
            assert response.status_code == 200
            assert_names_none_hidden(response.content)


def test_the_json_counts_the_people_not_named_where_the_page_does(client, declined):
    data = json.loads(client.get("/credits/vision/credits.json").content)

    research, safety = data["sections"]
    assert [person["name"] for person in research["leads"]] == ["Ada Lovelace"]
    assert research["leads_others"] == 1
    assert [(team["name"], team.get("others")) for team in research["teams"] + safety["teams"]] == [
        ("Data", 2),
        ("Red team", 1),
        ("Evals", 1),
    ]
    assert data["acknowledgments"][0]["others"] == 1
    assert data["assembled_by"] is None


def test_csv_cff_and_bibtex_list_only_the_people_named(client, declined):
    csv = client.get("/credits/vision/credits.csv").content.decode()
    bibtex = client.get("/credits/vision/citation.bib").content.decode()
    cff = client.get("/credits/vision/CITATION.cff").content.decode()

    assert csv.splitlines() == [
        "section,team,person,role",
        "Research contributions,,Ada Lovelace,Overall lead",
        "Research contributions,Data,Ann Young,",
        "Research contributions,Data,Bob Zed,",
        "Safety contributions,Red team,Carl Ode,Chair",
    ]
    # BibTeX's "and others" (et al.) stands for them.
    assert "author = {Lovelace, Ada and Young, Ann and Zed, Bob and Ode, Carl and others}" in (
        bibtex
    )
    assert cff.count("given-names") == 4


# Person pages and search


def test_a_person_page_leaves_out_the_projects_where_they_are_not_named(client, declined):
    response = client.get("/people/jane-doe/")

    page = parse(response.text)
    assert [h3.text() for h3 in page.find_all("h3")] == ["Other work"]
    assert "Vision" not in response.text


def test_never_listed_makes_the_person_page_not_found_without_a_hint(client, declined):
    response = client.get("/people/sam-roe/")

    assert response.status_code == 404
    assert "Sam" not in response.text


def test_old_addresses_of_a_person_never_listed_lead_nowhere(client, declined):
    sam = declined["sam"]
    PersonRedirect.objects.create(old_slug="samuel-roe", person=sam)
    # The address the version was published with, before a new one.
    Person.objects.filter(pk=sam.pk).update(slug="s-roe")

    for address in ["/people/samuel-roe/", "/people/sam-roe/"]:
        response = client.get(address)
        assert response.status_code == 404
        assert "Location" not in response.headers
        assert "roe" not in response.text.lower()


def test_editors_still_see_the_page_of_a_person_never_listed_marked(editor_client, declined):
    response = editor_client.get("/people/sam-roe/")

    assert response.status_code == 200
    assert parse(response.text).find("p", "not-named-marker").text() == (
        "Never listed: no page names this person, and readers get “page not found” here."
    )


def test_the_query_count_of_a_person_page_is_unchanged(client, declined, django_assert_num_queries):
    with django_assert_num_queries(PERSON_PAGE_QUERIES):
        response = client.get("/people/jane-doe/")

    assert response.status_code == 200


def search_text(client, query):
    return client.get("/search/", {"q": query}).content


def test_search_finds_neither_the_never_listed_nor_the_places_not_named(client, declined):
    jane = parse(search_text(client, "doe").decode())

    assert [link.text() for link in jane.find_all("a") if "/people/" in link.attrs["href"]] == [
        "Jane Doe"
    ]
    assert "Vision" not in jane.text()
    assert "Other work" in jane.text()
    assert_names_none_hidden(search_text(client, "roe"))
    assert "Vision" not in search_text(client, "vision").decode()


def test_search_takes_one_query_more_only_for_people_not_named_somewhere(
    client, declined, django_assert_num_queries
):
    with django_assert_num_queries(SEARCH_QUERIES):
        client.get("/search/", {"q": "young"})
    with django_assert_num_queries(SEARCH_QUERIES + 1):
        client.get("/search/", {"q": "doe"})


# The changelog


@pytest.fixture
def second_version(vision, make_section, make_team, make_credit):
    """Vision's version 2, which adds Jane Doe to a new team and says so in its note."""
    project = vision["project"]
    team = make_team(project.sections.get(title="Safety contributions"), "Policy")
    make_credit(vision["jane"], team=team)
    make_credit("Lena Holm", team=team)
    project.save()
    publish(project, note="Added JANE DOE and Lena Holm to Policy.\n\nThanks, Jane  Doe!")
    return vision


def test_the_changelog_describes_the_people_not_named_without_their_names(client, second_version):
    choose(second_version["jane"], second_version["project"], Choice.NOT_NAMED)

    response = client.get("/credits/vision/changes/")

    assert_names_none_hidden(response.content)
    page = parse(response.text)
    assert page.find("blockquote", "version-note").text() == (
        "Added someone not named and Lena Holm to Policy. Thanks, someone not named!"
    )
    newest = page.find_all("ul", "version-changes")[:2]
    lines = [item.text() for changes in newest for item in changes.find_all("li")]
    assert "Someone not named: new credit in Safety contributions › Policy" in lines
    assert "Lena Holm added (Safety contributions › Policy)" in lines
    assert_names_none_hidden(client.get("/credits/vision/changes.atom").content)


def test_the_changelog_names_everyone_again_once_they_are_named(client, second_version):
    choose(second_version["jane"], second_version["project"], Choice.NOT_NAMED)
    client.get("/credits/vision/changes/")

    choose(second_version["jane"], second_version["project"], Choice.NAMED)

    assert "Thanks, Jane  Doe!" in client.get("/credits/vision/changes/").text


def test_a_name_change_of_someone_not_named_says_nothing(second_version):
    project = second_version["project"]
    jane = second_version["jane"]
    jane.name = "Janet Doe"
    jane.save()
    project.save()
    publish(project)
    choose(jane, project, Choice.NOT_NAMED)

    [newest, *_] = changelog(project)

    assert [group.lines for group in newest.groups()] == []
    assert newest.summary() == "1 person renamed"


def test_names_in_notes_are_found_whole_whatever_their_case_and_accents():
    names = {"José García", "Li"}

    assert without_names("Jose  GARCIA joined; Li too; Linus did not.", names) == (
        "someone not named joined; someone not named too; Linus did not."
    )


def test_every_name_of_the_people_not_named_is_kept_out_of_notes(declined):
    Person.objects.get(name="Jane Doe").aliases.create(name="J. Doe")

    assert names_not_to_show(declined["project"]) == {"Jane Doe", "J. Doe", "Sam Roe"}


# The review page


@pytest.fixture
def jane_review(client, vision, open_review, generous_rate_limit):
    """Jane Doe's review of Vision, opened with her link in `client`; returns its address."""
    review, link = open_review(vision["jane"], vision["project"])
    return client.get(link)["Location"]


def naming_choices(response):
    """The choices the review page offers, each with whether it is the one checked."""
    form = parse(response.text).find("form", "review-naming")
    return [
        (label.text(), "checked" in label.find("input").attrs) for label in form.find_all("label")
    ]


def test_the_review_page_offers_the_three_ways_to_be_named(client, jane_review):
    response = client.get(jane_review)

    assert naming_choices(response) == [
        ("Named as shown", True),
        ("Not named on this project", False),
        ("Never list me anywhere", False),
    ]


def test_declining_on_the_review_page_applies_at_once_and_a_second_visit_shows_it(
    client, vision, jane_review
):
    client.get("/credits/vision/")

    response = client.post(jane_review, {"action": "naming", "naming": "not_named"}, follow=True)

    assert "Done: this page no longer names you." in page_text(response)
    assert naming_choices(client.get(jane_review))[1] == ("Not named on this project", True)
    row = NotNamed.objects.get(person=vision["jane"], project=vision["project"])
    assert row.by_review
    assert row.history.get().history_change_reason == "Chosen in Jane Doe's review"
    review = vision["jane"].reviews.get()
    assert review.get_status_display() == "declined to be named"
    assert "Jane Doe" not in client.get("/credits/vision/").text
    assert "Jane Doe" in client.get("/credits/other/").text


def test_never_list_me_takes_the_person_page_down(client, vision, jane_review):
    client.post(jane_review, {"action": "naming", "naming": "never_listed"})

    assert client.get("/people/jane-doe/").status_code == 404
    assert "Jane Doe" not in client.get("/credits/other/").text
    assert Person.objects.get(pk=vision["jane"].pk).never_listed
    assert naming_choices(client.get(jane_review))[2] == ("Never list me anywhere", True)


def test_choosing_to_be_named_again_names_the_person_and_answers_the_review(
    client, vision, jane_review
):
    client.post(jane_review, {"action": "naming", "naming": "never_listed"})

    response = client.post(jane_review, {"action": "naming", "naming": "named"}, follow=True)

    assert "Done: you are named on this page as shown above." in page_text(response)
    assert not NotNamed.objects.exists()
    assert not Person.objects.get(pk=vision["jane"].pk).never_listed
    assert vision["jane"].reviews.get().status == "confirmed"
    assert client.get("/people/jane-doe/").status_code == 200


def test_the_same_choice_twice_changes_nothing_the_second_time(client, vision, jane_review):
    client.post(jane_review, {"action": "naming", "naming": "not_named"})

    response = client.post(jane_review, {"action": "naming", "naming": "not_named"}, follow=True)

    assert "Nothing changed: this was already your choice." in page_text(response)
    assert NotNamed.history.count() == 1


def test_a_choice_that_is_not_offered_changes_nothing(client, vision, jane_review):
    response = client.post(jane_review, {"action": "naming", "naming": "pseudonym"})

    assert response.status_code == 200
    assert "Select a valid choice." in page_text(response)
    assert not NotNamed.objects.exists()
    assert vision["jane"].reviews.get().status == "pending"


def test_confirming_after_declining_keeps_the_person_declined(client, vision, jane_review):
    client.post(jane_review, {"action": "naming", "naming": "not_named"})

    client.post(jane_review, {"action": "confirm"})

    assert vision["jane"].reviews.get().status == "declined"
    assert NotNamed.objects.count() == 1


# The admin


def test_the_project_page_counts_the_people_who_declined_to_be_named(
    client, editor_client, vision, jane_review
):
    client.post(jane_review, {"action": "naming", "naming": "not_named"})

    response = editor_client.get(url(type(vision["project"]), "change", vision["project"].pk))

    page = parse(response.text)
    assert page.find("td", "count-declined").text() == "1"
    assert "status__exact=declined" in page.find("td", "count-declined").find("a").attrs["href"]
    assert page.by_id("not_named-heading").text() == "People not named on this project"
    assert "Jane Doe" in page.by_id("not_named-group").text()


def test_the_review_in_the_admin_says_how_the_person_is_named(
    client, editor_client, vision, jane_review
):
    client.post(jane_review, {"action": "naming", "naming": "not_named"})
    review = vision["jane"].reviews.get()

    page = parse(editor_client.get(url(type(review), "change", review.pk)).text)

    assert page.find("td", "review-naming").text().startswith("Not named on this project, since ")
    assert page.find("td", "review-naming").text().endswith("(chosen in their review)")
    assert page.find("td", "review-status").text() == "declined to be named"


def test_the_people_list_marks_the_people_not_named(editor_client, declined):
    page = parse(editor_client.get(url(Person, "changelist")).text)

    rows = {
        row.find("th").text(): row.find("td", "field-naming").text()
        for row in page.by_id("result_list").find("tbody").find_all("tr")
    }
    assert rows["Jane Doe"] == "not named on 1 project"
    assert rows["Sam Roe"] == "never listed"
    assert rows["Ada Lovelace"] == "yes"
    never = parse(editor_client.get(url(Person, "changelist"), {"named": "never"}).text)
    never_rows = never.by_id("result_list").find("tbody").find_all("tr")
    assert [row.find("th").text() for row in never_rows] == ["Sam Roe"]


def test_the_credits_of_a_team_mark_the_people_not_named(editor_client, declined):
    team = declined["project"].sections.get(title="Research contributions").teams.get()

    page = parse(editor_client.get(url(type(team), "change", team.pk)).text)

    names = [row.find("th").text() for row in page.by_id("credits").find("tbody").find_all("tr")]
    assert names == ["Jane Doe not named", "Sam Roe never listed", "Ann Young", "Bob Zed"]


def test_the_person_page_in_the_admin_sets_both_choices(editor_client, submit_form, vision):
    jane = vision["jane"]
    address = url(Person, "change", jane.pk)
    client = editor_client
    client.get("/credits/vision/")

    response = submit_form(
        client,
        address,
        {
            "not_named-TOTAL_FORMS": "1",
            "not_named-0-project": str(vision["project"].pk),
            "not_named-0-person": str(jane.pk),
        },
        never_listed="on",
    )

    assert response.status_code == 302
    jane.refresh_from_db()
    assert jane.never_listed
    assert NotNamed.objects.get().project == vision["project"]
    credits = parse(client.get(address).text).by_id("credits-group")
    credit_rows = credits.find_all("td", "field-project")
    assert [cell.text() for cell in credit_rows][:2] == ["Other work", "Vision not named"]
    assert client.logout() is None
    assert "Jane Doe" not in client.get("/credits/vision/").text
    assert client.get("/people/jane-doe/").status_code == 404


def test_the_publish_screen_says_who_readers_will_not_see_named(editor_client, declined):
    project = declined["project"]
    project.sections.get(title="Safety contributions").teams.filter(name="Evals").update(
        name="Evaluations"
    )

    response = editor_client.get(url(type(project), "publish", project.pk))

    assert (
        parse(response.text)
        .find("p", "publish-not-named")
        .text()
        .startswith("Not named on the published page, at their request: Jane Doe, Sam Roe.")
    )


def test_the_list_of_people_not_named_says_who_chose_it(editor_client, declined):
    response = editor_client.get(url(NotNamed, "changelist"))

    [row] = parse(response.text).by_id("result_list").find("tbody").find_all("tr")
    assert row.find("th").text() == "Jane Doe"
    assert row.find("td", "field-project").text() == "Vision"
    assert row.find("td", "field-by_review").find("img").attrs["alt"] == "False"


def test_an_editor_unsetting_never_listed_names_the_person_again_at_once(client, declined):
    sam = Person.objects.get(pk=declined["sam"].pk)
    client.get("/credits/vision/")

    sam.never_listed = False
    sam.save()

    assert "Sam Roe" in client.get("/credits/vision/").text
    assert client.get("/people/sam-roe/").status_code == 200


# Imports


def test_the_import_preview_says_who_asked_not_to_be_named(editor_client, declined):
    from tests.test_admin_import import upload

    data = csv_file(
        "Research contributions,Data,Ann Young,",
        "Research contributions,Data,Jane Doe,",
        "Safety contributions,Evals,Sam Roe,",
    )

    preview = upload(editor_client, declined["project"], data)

    items = parse(preview.text).by_id("not-named").find_all("li")
    assert [item.text() for item in items] == [
        "Row 3: Jane Doe asked not to be named on this project: their credits stay unnamed.",
        "Row 4: Sam Roe asked not to be listed on any project: their credits stay unnamed.",
    ]


def test_the_text_import_preview_says_who_asked_not_to_be_named(editor_client, declined):
    from tests.test_textimport_admin import paste

    text = "## Research contributions\n\n### Data\n\nAnn Young, Jane Doe\n"
    preview = paste(editor_client, declined["project"], text)

    assert parse(preview.text).by_id("not-named").text() == (
        "Line 5: Jane Doe asked not to be named on this project: their credits stay unnamed."
    )


def test_a_sync_that_removes_and_gives_back_the_credits_keeps_the_choice(client, declined):
    project = declined["project"]
    without_jane = csv_file("Research contributions,,Ada Lovelace,Overall lead")
    with_jane = csv_file(
        "Research contributions,,Ada Lovelace,Overall lead",
        "Research contributions,Data,Jane Doe,",
    )

    run_import(project, without_jane, SYNC)
    assert not Credit.objects.filter(person=declined["jane"]).in_projects([project]).exists()
    plan = run_import(project, with_jane, SYNC)
    project.save()
    publish(project)

    assert [str(person) for person in plan.report.not_named] == [
        "Jane Doe asked not to be named on this project: their credits stay unnamed"
    ]
    assert NotNamed.objects.filter(person=declined["jane"], project=project).exists()
    page = parse(client.get("/credits/vision/").text)
    assert page.by_id("research-contributions--data").text().endswith("1 person not named")


def test_undoing_an_import_keeps_the_choice(declined, editor):
    project = declined["project"]
    run_import(project, csv_file("Research contributions,,Ada Lovelace,Overall lead"), SYNC)

    undo(ChangeSet.objects.get(), user=editor)

    assert Credit.objects.filter(person=declined["jane"]).in_projects([project]).count() == 3
    assert NotNamed.objects.filter(person=declined["jane"], project=project).exists()
    assert Person.objects.get(pk=declined["sam"].pk).never_listed


def test_an_import_that_created_a_person_since_not_named_cannot_be_undone_silently(
    declined, editor
):
    project = declined["project"]
    run_import(project, csv_file("Research contributions,Data,Nora Quill,"))
    nora = Person.objects.get(name="Nora Quill")
    choose(nora, project, Choice.NOT_NAMED)

    with pytest.raises(Exception, match="cannot be undone: 1 conflict"):
        undo(ChangeSet.objects.get(), user=editor)

    assert NotNamed.objects.filter(person=nora).exists()


# Merges


def test_merging_keeps_the_choices_of_the_people_merged_and_its_undo_gives_them_back(
    client, declined, editor, make_person
):
    jane = declined["jane"]
    janet = make_person("Janet Doe")
    client.get("/credits/vision/")

    merge_people(janet, [jane], user=editor)

    assert list(NotNamed.objects.values_list("person__name", "project__title")) == [
        ("Janet Doe", "Vision")
    ]
    assert_names_none_hidden(client.get("/credits/vision/").content)
    assert "Janet" not in client.get("/credits/vision/").text
    # Jane's old address leads to Janet's page, which has her credits but on Vision.
    assert client.get("/people/jane-doe/")["Location"] == "/people/janet-doe/"
    janet_page = client.get("/people/janet-doe/").text
    assert "Other work" in janet_page
    assert "Vision" not in janet_page
    undo(ChangeSet.objects.get(kind="merge"), user=editor)
    assert list(NotNamed.objects.values_list("person__name", "project__title")) == [
        ("Jane Doe", "Vision")
    ]
