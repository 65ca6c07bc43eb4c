"""Published versions as readers and editors see them on the site.

Publishing freezes the draft as version N; every public address and file reads
the latest version (or an older one at its own address), never the draft, which
editors see with a banner. Unpublishing is 410 Gone.
"""

import csv
import io
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

import bibtexparser
import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from people.diff import compare
from people.merging import merge_people
from people.models import (
    Alias,
    Credit,
    Person,
    Project,
    PublishedPerson,
    Section,
    Team,
    Version,
)
from people.restoring import restore_draft
from people.snapshots import draft_snapshot
from people.sorting import sort_key
from people.versions import (
    PublishError,
    load_snapshot,
    merges,
    publish,
    replace_published_name,
    unpublish,
)
from tests.html_tree import parse

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def names(node):
    return [link.text() for link in node.find_all("a", "person")]


def day(moment):
    return f"{timezone.localtime(moment):%-d %B %Y}"


@pytest.fixture
def released(make_project, make_section, make_team, make_credit, editor):
    """Version 1 (Ada, Grace), version 2 (Alan added, with a note), then a draft with Barbara."""
    project = make_project(title="Vision credits", slug="vision", citation="Example Lab (2023)")
    data = make_team(make_section(project, "Research"), "Data")
    make_credit("Ada Lovelace", team=data, title="Data lead")
    make_credit("Grace Hopper", team=data)
    publish(project, user=editor)
    make_credit("Alan Turing", team=data)
    publish(project, user=editor, note="Added Alan Turing.")
    make_credit("Barbara Liskov", team=data)
    return project


def versions_of(project):
    return list(project.versions.order_by("number"))


# Publishing


def test_publishing_makes_numbered_versions_with_when_who_and_note(released, editor):
    first, second = versions_of(released)

    assert [(v.number, v.published_by, v.note) for v in (first, second)] == [
        (1, editor, ""),
        (2, editor, "Added Alan Turing."),
    ]
    assert first.published_at < second.published_at
    assert list(second.people.values_list("name", flat=True)) == [
        "Ada Lovelace",
        "Grace Hopper",
        "Alan Turing",
    ]
    alan = Person.objects.get(name="Alan Turing")
    assert second.changes == [
        {"kind": "person-added", "person": alan.pk, "where": "Research › Data"}
    ]


def test_publishing_an_unchanged_draft_makes_no_version(released):
    Credit.objects.filter(person__name="Barbara Liskov").delete()

    with pytest.raises(PublishError) as error:
        publish(released)

    assert str(error.value) == "Nothing changed since version 2: no version was made."
    assert released.versions.count() == 2


def test_a_project_with_no_credits_cannot_be_published(make_project):
    project = make_project(slug="empty", is_published=False)

    with pytest.raises(PublishError) as error:
        publish(project)

    assert "no credits yet" in str(error.value)
    assert not Version.objects.exists()
    project.refresh_from_db()
    assert not project.is_published


def test_a_note_of_ten_thousand_characters_is_refused(released):
    with pytest.raises(PublishError) as error:
        publish(released, note="x" * 10_000)

    assert str(error.value) == (
        "Keep the note under 2,000 characters (this one has 10,000); nothing was published."
    )
    assert released.versions.count() == 2


def test_a_note_with_a_hidden_character_is_refused(released):
    with pytest.raises(PublishError) as error:
        publish(released, note="Fixed \u202eevil")

    assert "text-direction character (U+202E RIGHT-TO-LEFT OVERRIDE)" in str(error.value)
    assert released.versions.count() == 2


def test_load_gpt4v_publishes_version_1_on_the_day_gpt4v_was_published():
    call_command("load_gpt4v", stdout=io.StringIO())

    version = Version.objects.get()
    assert (version.number, version.published_at) == (1, datetime(2023, 9, 25, tzinfo=UTC))
    assert version.people.count() == 151


# The public reads versions, editors the draft


PUBLIC_ADDRESSES = [
    "/credits/vision/",
    "/credits/vision/credits.json",
    "/credits/vision/credits.csv",
    "/credits/vision/CITATION.cff",
    "/credits/vision/citation.bib",
]


@pytest.mark.parametrize(
    ("path", "published", "draft"),
    [
        ("/credits/vision/", ">Alan Turing</a>", ">Barbara Liskov</a>"),
        ("/credits/vision/credits.json", '"version": 2,', '"name": "Barbara Liskov"'),
        ("/credits/vision/credits.csv", "Alan Turing", "Barbara Liskov"),
        ("/credits/vision/CITATION.cff", 'version: "2"', 'family-names: "Liskov"'),
        (
            "/credits/vision/citation.bib",
            "url = {http://testserver/credits/vision/v/2/}",
            "url = {http://testserver/credits/vision/}",
        ),
    ],
)
def test_the_public_reads_the_latest_version_and_editors_the_draft(
    editor_client, released, path, published, draft
):
    public_response = Client().get(path)
    draft_response = editor_client.get(path)

    assert public_response.status_code == draft_response.status_code == 200
    assert published in public_response.text
    assert draft not in public_response.text
    assert draft in draft_response.text


def test_people_only_on_the_draft_are_not_public(editor_client, released):
    client = Client()
    public_search = client.get("/search/", {"q": "liskov"}).context["results"]
    editor_search = editor_client.get("/search/", {"q": "liskov"}).context["results"]

    assert client.get("/people/barbara-liskov/").status_code == 404
    assert editor_client.get("/people/barbara-liskov/").status_code == 200
    assert public_search == []
    assert [result.name for result in editor_search] == ["Barbara Liskov"]


def test_a_persons_page_lists_their_credits_as_published(client, released, make_credit):
    make_credit("Ada Lovelace", section=Section.objects.get(), title="Overall lead")

    before = parse(client.get("/people/ada-lovelace/").text)
    publish(released)
    after = parse(client.get("/people/ada-lovelace/").text)

    assert [li.text() for li in before.find_all("li", "credit")] == ["Research › Data — Data lead"]
    assert [li.text() for li in after.find_all("li", "credit")] == [
        "Research — Overall lead",
        "Research › Data — Data lead",
    ]


def test_the_home_page_lists_projects_by_their_published_title(client, released):
    Project.objects.filter(pk=released.pk).update(title="Renamed in the draft")

    links = parse(client.get("/").text).find("ul", "project-list").find_all("a")

    assert [(a.text(), a.attrs["href"]) for a in links] == [("Vision credits", "/credits/vision/")]


def test_editors_see_a_banner_with_the_unpublished_changes(editor_client, released):
    Credit.objects.filter(person__name="Grace Hopper").delete()
    Credit.objects.filter(person__name="Ada Lovelace").update(title="Overall lead")

    banner = parse(editor_client.get("/credits/vision/").text).find("p", "draft-banner")

    assert banner.text() == (
        "Unpublished changes since version 2: 1 person added, 1 removed, 1 title changed "
        "— review and publish"
    )
    assert banner.find("a").attrs["href"] == f"/admin/people/project/{released.pk}/publish/"


def test_editors_are_told_when_the_draft_is_the_published_version(editor_client, released):
    Credit.objects.filter(person__name="Barbara Liskov").delete()

    banner = parse(editor_client.get("/credits/vision/").text).find("p", "draft-banner")

    assert banner.text() == "No unpublished changes since version 2."


def test_a_draft_never_published_says_so(editor_client, make_project):
    make_project(slug="secret", is_published=False)

    banner = parse(editor_client.get("/credits/secret/").text).find("p", "draft-banner")

    assert (
        banner.text()
        == "Draft. This page is not published: only staff can see it. Review and publish"
    )


def test_readers_see_the_version_and_where_to_find_the_changes(client, released):
    page = parse(client.get("/credits/vision/").text)

    assert page.find_all("p", "draft-banner") == []
    assert page.find_all("p", "version-banner") == []
    version = page.find("p", "page-version")
    assert version.text() == "Version 2 · What changed in each version"
    assert version.find("a").attrs["href"] == "/credits/vision/changes/"


# Older versions


def test_an_old_version_has_its_own_page_with_a_banner(client, released):
    first, second = versions_of(released)

    old = parse(client.get("/credits/vision/v/1/").text)
    latest = parse(client.get("/credits/vision/v/2/").text)

    assert names(old.by_id("research--data")) == ["Grace Hopper", "Ada Lovelace"]
    banner = old.find("p", "version-banner")
    assert banner.text() == (
        f"Version 1 of 2, published {day(first.published_at)} — see the current version."
    )
    assert banner.find("a").attrs["href"] == "/credits/vision/"
    assert latest.find("p", "version-banner").text() == (
        f"Version 2 of 2, published {day(second.published_at)} — the current version."
    )
    links = [a.attrs["href"] for a in old.find("ul", "downloads").find_all("a")]
    assert links == [
        "/credits/vision/v/1/CITATION.cff",
        "/credits/vision/v/1/citation.bib",
        "/credits/vision/v/1/credits.json",
        "/credits/vision/v/1/credits.csv",
    ]


def test_an_old_versions_files_say_which_version_they_are(client, released):
    first = versions_of(released)[0]
    date = first.published_at.date().isoformat()

    data = client.get("/credits/vision/v/1/credits.json").json()
    rows = list(csv.reader(io.StringIO(client.get("/credits/vision/v/1/credits.csv").text)))
    cff = yaml.safe_load(client.get("/credits/vision/v/1/CITATION.cff").text)
    [entry] = bibtexparser.parse_string(client.get("/credits/vision/v/1/citation.bib").text).entries

    assert (data["version"], data["url"]) == (1, "http://testserver/credits/vision/v/1/")
    assert data["version_published_at"] == first.published_at.isoformat()
    assert rows == [
        ["section", "team", "person", "role"],
        ["Research", "Data", "Grace Hopper", ""],
        ["Research", "Data", "Ada Lovelace", "Data lead"],
    ]
    assert (cff["version"], cff["date-released"]) == ("1", date)
    assert cff["url"] == "http://testserver/credits/vision/v/1/"
    assert "identifiers" not in cff
    assert (entry["version"], entry["date"]) == ("1", date)
    assert entry["url"] == "http://testserver/credits/vision/v/1/"


def test_the_current_citation_points_at_its_version(client, released):
    cff = yaml.safe_load(client.get("/credits/vision/CITATION.cff").text)

    assert cff["url"] == "http://testserver/credits/vision/"
    assert cff["version"] == "2"
    assert cff["identifiers"] == [
        {
            "type": "url",
            "value": "http://testserver/credits/vision/v/2/",
            "description": "Version 2 of these credits",
        }
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/credits/vision/v/3/",
        "/credits/vision/v/0/",
        "/credits/vision/v/3/credits.json",
        "/credits/vision/v/99/CITATION.cff",
        "/credits/nothing/v/1/",
        "/credits/nothing/changes/",
    ],
)
def test_a_version_that_does_not_exist_is_not_found(client, editor_client, released, path):
    assert client.get(path).status_code == 404
    assert editor_client.get(path).status_code == 404


def test_old_versions_link_a_merged_person_to_the_kept_ones_page(client, released, make_person):
    kept = make_person("Grace B. Hopper", slug="grace-b-hopper")
    merge_people(kept, [Person.objects.get(name="Grace Hopper")])

    old = parse(client.get("/credits/vision/v/1/").text)
    link = next(a for a in old.find_all("a", "person") if a.text() == "Grace Hopper")
    followed = client.get(link.attrs["href"])
    kept_page = parse(client.get("/people/grace-b-hopper/").text)

    assert followed.status_code == 301
    assert followed.headers["Location"] == "/people/grace-b-hopper/"
    # The versions still name Grace Hopper, on the page of the person she is now.
    assert kept_page.find("h1").text() == "Grace B. Hopper"
    assert [li.text() for li in kept_page.find_all("li", "credit")] == ["Research › Data"]


def test_an_address_a_version_was_published_with_leads_to_the_person(client, released):
    Person.objects.filter(name="Grace Hopper").update(slug="grace-brewster-hopper")

    response = client.get("/people/grace-hopper/")

    assert response.status_code == 301
    assert response.headers["Location"] == "/people/grace-brewster-hopper/"


# The changelog and its feed


def test_the_changelog_lists_each_version_with_its_date_note_and_changes(client, released):
    first, second = versions_of(released)
    Credit.objects.filter(person__name="Barbara Liskov").delete()
    Credit.objects.filter(person__name="Grace Hopper").update(title="Compilers")
    publish(released, note="Grace's title.\n\nThanks to her team.")

    page = parse(client.get("/credits/vision/changes/").text)

    assert page.find("h1").text() == "Changes to “Vision credits”"
    entries = page.find("ol", "changelog").find_all("li", "changelog-version")
    assert [entry.find("h2").text() for entry in entries] == ["Version 3", "Version 2", "Version 1"]
    assert entries[0].find("h2").find("a").attrs["href"] == "/credits/vision/v/3/"
    assert [p.text() for p in entries[0].find("blockquote", "version-note").find_all("p")] == [
        "Grace's title.",
        "Thanks to her team.",
    ]
    assert entries[0].find("p", "version-summary").text() == "1 title changed"
    assert [li.text() for li in entries[0].find("ul", "version-changes").find_all("li")] == [
        "Grace Hopper in Research › Data: no title → “Compilers”"
    ]
    assert entries[1].find("p", "version-summary").text() == "1 person added"
    assert entries[1].find("p", "page-dates").text() == f"Published {day(second.published_at)}"
    assert [li.text() for li in entries[1].find_all("li")] == [
        "Alan Turing added (Research › Data)"
    ]
    assert entries[2].find("p", "version-summary").text() == "First published version."


def test_the_changelog_shows_people_as_each_version_named_them(client, released):
    ada = Person.objects.get(name="Ada Lovelace")
    ada.name = "Ada King"
    ada.save()
    Credit.objects.filter(person__name="Grace Hopper").delete()
    publish(released)

    entries = parse(client.get("/credits/vision/changes/").text).find_all("li", "changelog-version")

    assert [li.text() for li in entries[0].find_all("li")] == [
        "Barbara Liskov added (Research › Data)",
        "Grace Hopper removed (was in Research › Data)",
        "Ada Lovelace → Ada King (renamed)",
    ]


def test_the_atom_feed_has_an_entry_per_version(client, released):
    response = client.get("/credits/vision/changes.atom")

    feed = ElementTree.fromstring(response.content)
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert feed.find(f"{ATOM}title").text == "Vision credits: versions"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == [
        "Version 2: 1 person added",
        "Version 1: First published version.",
    ]
    assert entries[0].find(f"{ATOM}link").attrib["href"] == "http://testserver/credits/vision/v/2/"
    summary = entries[0].find(f"{ATOM}summary").text
    assert "<p>Added Alan Turing.</p>" in summary
    assert "<li>Alan Turing added (Research › Data)</li>" in summary


def test_a_note_is_text_on_every_page_that_shows_it(client, released):
    Credit.objects.filter(person__name="Barbara Liskov").update(title="Lead")
    publish(released, note='<script>alert(1)</script> & "quotes"')

    changelog = client.get("/credits/vision/changes/").text
    summary = ElementTree.fromstring(client.get("/credits/vision/changes.atom").content).find(
        f"{ATOM}entry/{ATOM}summary"
    )

    assert "<script>alert" not in changelog
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in changelog
    # The feed's HTML summary, once read as HTML, shows the note as text.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary.text


# Unpublishing


UNPUBLISHED_ADDRESSES = [
    *PUBLIC_ADDRESSES,
    "/credits/vision/v/1/",
    "/credits/vision/v/1/credits.json",
    "/credits/vision/changes/",
    "/credits/vision/changes.atom",
]


@pytest.mark.parametrize("path", UNPUBLISHED_ADDRESSES)
def test_an_unpublished_project_is_gone_with_its_title(editor_client, released, path):
    unpublish(released)

    response = Client().get(path)

    assert response.status_code == 410
    assert parse(response.text).find("h1").text() == "Vision credits"
    assert "no longer published" in response.text
    assert editor_client.get(path).status_code == 200


def test_unpublishing_keeps_the_versions_and_publishing_again_restores_the_page(client, released):
    client.get("/credits/vision/")
    unpublish(released)
    gone = client.get("/credits/vision/")
    people_gone = client.get("/people/ada-lovelace/")
    home = parse(client.get("/").text)
    Credit.objects.filter(person__name="Barbara Liskov").delete()

    publication = publish(released)

    assert gone.status_code == 410
    assert people_gone.status_code == 404
    assert "Vision credits" not in home.text()
    assert (publication.version.number, publication.is_new) == (2, False)
    assert client.get("/credits/vision/").status_code == 200
    assert client.get("/people/ada-lovelace/").status_code == 200


def test_publishing_changes_of_an_unpublished_project_makes_a_version(client, released):
    unpublish(released)

    publication = publish(released)

    assert (publication.version.number, publication.is_new) == (3, True)
    assert "Barbara Liskov" in client.get("/credits/vision/").text


# Restoring the draft from a version


def draft_differs_from(version):
    """The summary of what differs between the draft and `version`."""
    old = load_snapshot(version)
    new = draft_snapshot(version.project)
    return compare(old, new, merges(old, new)).summary()


def test_restoring_the_draft_from_a_version_then_publishing_makes_a_new_version(
    client, released, make_section, make_credit
):
    research = Section.objects.get()
    research.title = "Science"
    research.save()
    make_credit("Alan Turing", section=research, title="Lead")
    Team.objects.create(section=make_section(released, "Extra"), name="New team")
    Credit.objects.filter(person__name="Grace Hopper").delete()
    publish(released)
    first = versions_of(released)[0]

    restored = restore_draft(released, first)
    fourth = publish(released).version

    assert restored.summary() == ("1 person added, 2 removed, 2 changes to sections and teams")
    assert draft_differs_from(first) == "no changes"
    assert fourth.number == 4
    page = parse(client.get("/credits/vision/").text)
    assert [h2.text() for h2 in page.find_all("h2")] == [
        "Authorship, credit attribution, and acknowledgments",
        "Research",
    ]
    assert names(page.by_id("research--data")) == ["Grace Hopper", "Ada Lovelace"]
    assert page.find_all("ul", "leads") == []


def test_restoring_brings_back_a_person_deleted_since_and_follows_a_merge(released, make_person):
    first = versions_of(released)[0]
    Credit.objects.filter(person__name="Grace Hopper").delete()
    grace = Person.objects.get(name="Grace Hopper")
    grace_id = grace.pk
    grace.delete()
    merge_people(make_person("Ada King"), [Person.objects.get(name="Ada Lovelace")])

    restore_draft(released, first)

    recreated = Person.objects.get(pk=grace_id)
    assert (recreated.name, recreated.slug) == ("Grace Hopper", "grace-hopper")
    credited = Credit.objects.filter(team__name="Data").values_list("person__name", "title")
    assert sorted(credited) == [("Ada King", "Data lead"), ("Grace Hopper", "")]


# Names in versions


def test_a_name_is_replaced_in_every_version_with_one_statement(client, released):
    ada = Person.objects.get(name="Ada Lovelace")
    client.get("/credits/vision/v/1/")
    client.get("/credits/vision/")

    with CaptureQueriesContext(connection) as queries:
        replace_published_name(ada, "Ada King")

    names = [q["sql"] for q in queries.captured_queries if '"name" = ' in q["sql"]]
    assert len(names) == 1 and names[0].startswith('UPDATE "people_publishedperson" SET "name"')
    for path in ["/credits/vision/", "/credits/vision/v/1/", "/credits/vision/credits.csv"]:
        text = client.get(path).text
        assert "Ada King" in text and "Lovelace" not in text, path
    assert set(PublishedPerson.objects.filter(person=ada).values_list("name", flat=True)) == {
        "Ada King"
    }


# Reading a version: a fixed number of queries


def build_large_project(project, credits=10_000, people=2_000, teams=40):
    """Give `project` `credits` credits of `people` people in `teams` teams, with bulk inserts."""
    sections = Section.objects.bulk_create(
        Section(project=project, title=f"Section {n}", position=n) for n in range(4)
    )
    team_rows = Team.objects.bulk_create(
        Team(section=sections[n % 4], name=f"Team {n}", position=n) for n in range(teams)
    )
    person_rows = Person.objects.bulk_create(
        Person(name=f"Person Número{n:05d}", slug=f"p{n}", sort_key=sort_key(f"Person N{n:05d}"))
        for n in range(people)
    )
    Alias.objects.bulk_create(Alias(person=person, name="Other") for person in person_rows[::3])
    Credit.objects.bulk_create(
        Credit(person=person_rows[n % people], team=team_rows[(n // people + n) % teams])
        for n in range(credits)
    )


@pytest.mark.parametrize("credits", [10, 10_000])
def test_an_uncached_public_page_takes_three_queries_whatever_its_size(
    client, make_project, django_assert_max_num_queries, credits
):
    project = make_project(slug="sized")
    build_large_project(project, credits=credits, people=min(credits, 2_000))
    publish(project)

    with django_assert_max_num_queries(3):
        response = client.get("/credits/sized/")

    assert len(parse(response.text).find_all("a", "person")) == credits


def test_the_person_page_of_someone_on_a_large_page_takes_four_queries(
    client, make_project, django_assert_num_queries
):
    project = make_project(slug="sized")
    build_large_project(project)
    publish(project)

    with django_assert_num_queries(4):
        response = client.get("/people/p7/")

    assert len(parse(response.text).find_all("li", "credit")) == 5
