"""A name replaced everywhere (people/renaming.py): pages, versions, files, search, addresses."""

import json
import threading

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.db import IntegrityError, connection, connections
from django.test import Client

from people.merging import merge_people
from people.models import (
    Acknowledgment,
    Alias,
    Credit,
    Mention,
    Person,
    PersonRedirect,
    Project,
    PublishedPerson,
    Version,
)
from people.renaming import NameReplacement, RenameError, replace_name
from people.reviews.answers import Change, propose
from people.reviews.decisions import accept
from people.reviews.models import Proposal, Review
from people.versions import PublishError, preview, publish
from tests.admin_pages import page_text, url
from tests.html_tree import parse

pytestmark = pytest.mark.django_db

FILES = ["credits.json", "credits.csv", "CITATION.cff", "citation.bib"]


@pytest.fixture
def vision(make_project, make_section, make_team, make_credit, editor):
    """ "Vision credits" with Jane Doe in two published versions, and "Atlas" naming her once.

    Version 1: Jane Doe leads Research and is in Data with Ada Lovelace and Grace
    Hopper. Version 2 adds Alan Turing, thanks Jane Doe in an acknowledgment and
    retitles her lead line.
    """
    project = make_project("Vision credits", "vision")
    research = make_section(project, "Research")
    data = make_team(research, "Data")
    jane = make_credit("Jane Doe", section=research, title="Overall lead").person
    for name in ["Ada Lovelace", "Grace Hopper", "Jane Doe"]:
        make_credit(name, team=data)
    publish(project, user=editor)
    make_credit("Alan Turing", team=data)
    thanks = Acknowledgment.objects.create(project=project, text="We thank our testers.")
    Mention.objects.create(acknowledgment=thanks, person=jane)
    Credit.objects.filter(section=research).update(title="Overall co-lead")
    publish(project, user=editor, note="Added Alan Turing.")
    atlas = make_project("Atlas", "atlas")
    make_credit(jane, team=make_team(make_section(atlas, "Team")))
    publish(atlas)
    return project


def jane():
    """Jane, whatever her name now: the one lead line's person."""
    return Person.objects.filter(credits__section__isnull=False).get()


def replace(person, name, *, keep=True, texts=True, user=None, **fields):
    return replace_name(
        person,
        NameReplacement(name, keeps_old_name=keep, replaces_in_texts=texts, **fields),
        old_name=person.name,
        user=user,
    )


def public_addresses(slug, numbers):
    """Every public address of a project: its pages, its versions, their files, its changes."""
    for page in [f"/credits/{slug}/", *(f"/credits/{slug}/v/{number}/" for number in numbers)]:
        yield page
        for name in FILES:
            yield page + name
    yield f"/credits/{slug}/changes/"
    yield f"/credits/{slug}/changes.atom"


EVERY_ADDRESS = [*public_addresses("vision", [1, 2]), *public_addresses("atlas", [1]), "/"]
# Those that name no one: the home page, and the changes of a project published once.
NAMING_NO_ONE = {"/", "/credits/atlas/changes/", "/credits/atlas/changes.atom"}


def assert_nowhere(client, old, new, addresses=EVERY_ADDRESS):
    """Every address answers 200; none holds a text of `old`, each that names the person
    holds `new` (a family name: CITATION.cff writes it apart from the given names)."""
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        for text in old:
            assert text.encode() not in response.content, (text, address)
        if address not in NAMING_NO_ONE:
            assert new.encode() in response.content, address


def text_of(response):
    """The page's text as a reader sees it, without its markup."""
    return parse(response.text).text()


def search(client, query):
    return [result.name for result in client.get("/search/", {"q": query}).context["results"]]


# Everywhere at once


def test_a_name_replaced_without_keeping_it_is_gone_from_every_public_byte(client, vision):
    for address in EVERY_ADDRESS:
        client.get(address)  # cached, for readers
    assert search(client, "Doe") == ["Jane Doe"]

    replace(jane(), "Jane Roe", keep=False)

    assert_nowhere(client, ["Doe", "jane-doe"], "Roe")
    person_page = client.get("/people/jane-roe/")
    assert person_page.status_code == 200
    assert "Jane Roe" in person_page.text and "Doe" not in person_page.text
    assert client.get("/people/jane-doe/").status_code == 404
    assert search(client, "Doe") == []
    assert search(client, "Jane Doe") == []
    assert search(client, "Roe") == ["Jane Roe"]
    assert not Alias.objects.exists()
    assert not PersonRedirect.objects.exists()


def test_a_name_kept_as_an_other_spelling_finds_the_person_and_leads_to_the_new_address(
    vision, editor_client
):
    client = Client()

    replace(jane(), "Jane Roe", keep=True)

    assert_nowhere(client, ["Doe", "jane-doe"], "Roe")
    old_address = client.get("/people/jane-doe/")
    assert (old_address.status_code, old_address["Location"]) == (301, "/people/jane-roe/")
    assert list(Alias.objects.values_list("person__name", "name", "is_public")) == [
        ("Jane Roe", "Jane Doe", False)
    ]
    # A private other spelling: readers neither see it nor find her by it.
    person_page = client.get("/people/jane-roe/")
    assert "Jane Roe" in person_page.text and "Doe" not in person_page.text
    assert search(client, "Doe") == []
    assert search(editor_client, "Doe") == ["Jane Roe"]
    found = editor_client.get(url(Person, "changelist"), {"q": "Doe"})
    assert [person.name for person in found.context["cl"].result_list] == ["Jane Roe"]
    # Matching an import still finds her by the old name.
    assert Person.objects.filter(aliases__name="Jane Doe").get().name == "Jane Roe"


def test_the_new_name_sorts_and_links_in_every_version(client, vision):
    replace(jane(), "Jane Roe")

    for address in ["/credits/vision/v/1/", "/credits/vision/v/2/"]:
        page = parse(client.get(address).text)
        data = page.by_id("research--data")
        names = [link.text() for link in data.find_all("a", "person")]
        assert names[:3] == ["Grace Hopper", "Ada Lovelace", "Jane Roe"], address
        links = {link.text(): link.attrs["href"] for link in page.find_all("a", "person")}
        assert links["Jane Roe"] == "/people/jane-roe/"
    csv_rows = client.get("/credits/vision/credits.csv").text.splitlines()
    assert csv_rows[1:] == [
        "Research,,Jane Roe,Overall co-lead",
        "Research,Data,Grace Hopper,",
        "Research,Data,Ada Lovelace,",
        "Research,Data,Jane Roe,",
        "Research,Data,Alan Turing,",
    ]
    cff = client.get("/credits/vision/CITATION.cff").text
    assert 'family-names: "Roe"' in cff and 'given-names: "Jane"' in cff
    assert "Roe, Jane" in client.get("/credits/vision/citation.bib").text
    data = json.loads(client.get("/credits/vision/credits.json").text)
    assert data["acknowledgments"][0]["people"][0]["url"] == "http://testserver/people/jane-roe/"


def test_the_old_sort_name_goes_with_the_old_name(client, vision):
    person = jane()
    Person.objects.filter(pk=person.pk).update(
        sort_name="Doe, Jane M.", sort_checked_name="Jane Doe"
    )
    publish(vision)
    assert "Doe, Jane M." in client.get("/credits/vision/credits.csv").text

    replace(Person.objects.get(pk=person.pk), "Jane Roe", sort_name="Roe, Jane M.", keep=False)

    person.refresh_from_db()
    assert (person.sort_name, person.sort_checked_name) == ("Roe, Jane M.", "")
    assert person.sort_key.startswith("roe")
    for number in [1, 2, 3]:
        version = Version.objects.get(project=vision, number=number)
        assert version.content["people"][str(person.pk)] == {"sort_name": "Roe, Jane M."}
    csv_text = client.get("/credits/vision/credits.csv").text
    assert "Roe, Jane M." in csv_text and "Doe" not in csv_text
    assert preview(vision).is_unchanged


def test_versions_match_the_draft_so_publishing_finds_nothing_new(vision):
    replace(jane(), "Jane Roe", keep=False)

    assert preview(vision).is_unchanged
    assert preview(Project.objects.get(slug="atlas")).is_unchanged
    with pytest.raises(PublishError, match="Nothing changed since version 2"):
        publish(vision)


def test_every_published_row_is_replaced_and_the_history_says_who_and_why(vision, editor):
    person = jane()

    replace(person, "Jane Roe", user=editor)

    rows = PublishedPerson.objects.filter(person=person)
    assert set(rows.values_list("name", "slug")) == {("Jane Roe", "jane-roe")}
    assert rows.count() == 3
    record = Person.history.filter(id=person.pk).first()
    assert (record.name, record.history_user, record.history_change_reason) == (
        "Jane Roe",
        editor,
        "Name replaced",
    )
    # The history is the editors': it keeps the name as it was.
    assert record.prev_record.name == "Jane Doe"
    alias_record = Alias.history.get()
    assert (alias_record.history_user, alias_record.history_change_reason) == (
        editor,
        "Name replaced",
    )


def test_the_changelog_no_longer_shows_an_earlier_rename(client, vision):
    person = jane()
    person.name = "Jane Smyth"
    person.save()
    Credit.objects.filter(person__name="Alan Turing").delete()
    publish(vision, note="Jane's name corrected.")
    changes = client.get("/credits/vision/changes/").text
    assert "Jane Doe → Jane Smyth (renamed)" in changes

    replace(Person.objects.get(pk=person.pk), "Jane Roe")

    changes = client.get("/credits/vision/changes/").text
    assert "renamed" not in changes and "Smyth" not in changes and "Doe" not in changes
    assert "Alan Turing removed" in changes
    assert "Names reordered" not in changes
    third = Version.objects.get(project=vision, number=3)
    assert [change["kind"] for change in third.changes] == ["person-removed"]


def test_texts_editors_wrote_are_replaced_too_unless_asked_not_to(client, vision, editor):
    Project.objects.filter(pk=vision.pk).update(intro="Assembled with Jane Doe's help.")
    vision.refresh_from_db()
    Credit.objects.filter(person__name="Alan Turing").delete()
    publish(vision, note="Thanks to Jane Doe; Jane Doen stays.")

    plan = replace(jane(), "Jane Roe", keep=False, user=editor)

    assert [text.where for text in plan.texts] == [
        "project “Vision credits” (draft): intro",
        "Vision credits, version 3: intro",
        "Vision credits, version 3: note",
    ]
    assert Project.objects.get(pk=vision.pk).intro == "Assembled with Jane Roe's help."
    assert Project.history.filter(id=vision.pk).first().history_change_reason == "Name replaced"
    third = Version.objects.get(project=vision, number=3)
    assert third.note == "Thanks to Jane Roe; Jane Doen stays."
    assert "Assembled with Jane Roe" in client.get("/credits/vision/").text
    vision.refresh_from_db()
    assert preview(vision).is_unchanged


def test_a_list_of_changes_cut_inside_the_old_name_keeps_no_part_of_it(client, vision):
    # The list of changes quotes 70 characters of an acknowledgment: this one is cut
    # after "Jane D", where no whole word of the old name is left to replace.
    text = "We thank everyone who tested the model in its first weeks, and Jane Doe for the logs."
    Acknowledgment.objects.create(project=vision, text=text, position=1)
    publish(vision)
    changes = client.get("/credits/vision/changes/").text
    assert "and Jane D…" in changes

    replace(jane(), "Jane Roe", keep=False)

    changes = client.get("/credits/vision/changes/").text
    assert "Jane D" not in changes
    assert "in its first weeks, and Jane R…" in changes
    third = Version.objects.get(project=vision, number=3)
    assert [change["kind"] for change in third.changes] == ["acknowledgment-added"]


def test_texts_can_be_left_as_written(vision):
    Project.objects.filter(pk=vision.pk).update(intro="Assembled with Jane Doe's help.")

    replace(jane(), "Jane Roe", texts=False)

    assert Project.objects.get(pk=vision.pk).intro == "Assembled with Jane Doe's help."


def test_the_cached_pages_show_the_new_name_at_once(client, vision):
    pages = ["/credits/vision/", "/credits/vision/v/1/", "/people/jane-doe/", "/credits/vision/"]
    for address in pages:
        assert "Jane Doe" in client.get(address).text

    replace(jane(), "Jane Roe", keep=True)

    for address in ["/credits/vision/", "/credits/vision/v/1/", "/credits/vision/credits.csv"]:
        text = client.get(address).text
        assert "Jane Roe" in text and "Jane Doe" not in text
    assert client.get("/people/jane-doe/")["Location"] == "/people/jane-roe/"


# Edge cases


def test_a_name_another_person_has_is_warned_about_and_the_address_numbered(
    editor_client, vision, make_person
):
    other = make_person("Jane Roe")
    person = jane()

    preview_page, confirmed = replace_through_the_admin(editor_client, person, name="Jane Roe")

    assert "“Jane Roe” is also the name of another person, Jane Roe" in text_of(preview_page)
    assert confirmed.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.slug) == ("Jane Roe", "jane-roe-2")
    assert Person.objects.get(pk=other.pk).slug == "jane-roe"
    assert set(PublishedPerson.objects.filter(person=person).values_list("slug", flat=True)) == {
        "jane-roe-2"
    }


def test_a_look_alike_is_warned_about(editor_client, vision, make_person):
    make_person("Jane Rowe")

    preview_page, _ = replace_through_the_admin(editor_client, jane(), name="Jane Roe")

    assert "“Jane Roe” looks like the name of Jane Rowe" in text_of(preview_page)


def test_an_address_someone_was_published_with_is_not_taken(vision, make_person):
    ada = Person.objects.get(name="Ada Lovelace")
    PublishedPerson.objects.filter(person=ada).update(slug="jane-roe")

    replace(jane(), "Jane Roe")

    assert jane().slug == "jane-roe-2"


def test_the_old_name_already_an_other_spelling_is_kept_once(vision):
    person = jane()
    Alias.objects.create(person=person, name="JANE DOE")

    replace(person, "Jane Roe", keep=True)

    assert list(Alias.objects.values_list("name", flat=True)) == ["JANE DOE"]


def test_the_old_name_as_an_other_spelling_goes_too_when_not_kept(client, vision):
    person = jane()
    Alias.objects.create(person=person, name="JANE DOE", is_public=True)
    Alias.objects.create(person=person, name="J. Doe", is_public=True)
    publish(vision)

    replace(person, "Jane Roe", keep=False)

    assert list(Alias.objects.values_list("name", flat=True)) == ["J. Doe"]
    version = Version.objects.get(project=vision, number=3)
    assert version.content["people"][str(person.pk)]["aliases"] == ["J. Doe"]
    assert "JANE DOE" not in client.get("/credits/vision/").text


def test_a_new_name_that_was_an_other_spelling_is_no_longer_one(vision):
    person = jane()
    Alias.objects.create(person=person, name="Jane Roe")

    replace(person, "Jane Roe", keep=True)

    assert list(Alias.objects.values_list("name", flat=True)) == ["Jane Doe"]


def test_a_record_merged_in_since_it_was_published_is_renamed_too(
    client, vision, make_credit, make_team
):
    atlas = Project.objects.get(slug="atlas")
    make_credit("J. Doe", team=make_team(atlas.sections.get(), "Reviewers"))
    publish(atlas)
    merged = Person.objects.get(name="J. Doe")
    merge_people(jane(), [merged])

    replace(jane(), "Jane Roe", keep=True)

    page = parse(client.get("/credits/atlas/").text)
    links = [(link.text(), link.attrs["href"]) for link in page.find_all("a", "person")]
    assert links == [("Jane Roe", "/people/jane-roe/"), ("Jane Roe", "/people/jane-roe-2/")]
    assert client.get("/people/jane-roe-2/")["Location"] == "/people/jane-roe/"
    assert client.get("/people/j-doe/")["Location"] == "/people/jane-roe/"
    person_page = parse(client.get("/people/jane-roe/").text)
    assert len(person_page.find_all("li", "credit")) == 4
    assert_nowhere(client, ["Doe", "jane-doe", "j-doe"], "Roe")


def test_a_duplicate_merged_in_is_renamed_and_its_address_dropped_with_the_name(
    client, vision, make_credit, make_team
):
    atlas = Project.objects.get(slug="atlas")
    make_credit("Jane  Doe", team=make_team(atlas.sections.get(), "Reviewers"))
    publish(atlas)
    duplicate = Person.objects.get(slug="jane-doe-2")
    merge_people(jane(), [duplicate])

    replace(jane(), "Jane Roe", keep=False)

    names = PublishedPerson.objects.filter(person_id=duplicate.pk).values_list("name", "slug")
    assert set(names) == {("Jane Roe", "jane-roe-2")}
    assert client.get("/people/jane-doe-2/").status_code == 404
    assert client.get("/people/jane-roe-2/")["Location"] == "/people/jane-roe/"
    assert_nowhere(client, ["Doe", "jane-doe"], "Roe")


def test_a_hostile_name_is_refused_with_a_message_and_changes_nothing(editor_client, vision):
    person = jane()
    address = url(Person, "replace_name", person.pk)

    for name, message in [
        ("Jane \u202eeoR", "invisible text-direction character (U+202E"),
        ("Jane\x07Roe", "control character (U+0007) at position 5"),
        ("***", "A name needs at least one letter"),
        ("Jane Doe", "This is the name already"),
        ("", "This field is required."),
    ]:
        response = editor_client.post(address, {**FORM, "name": name, "preview": "1"})
        assert message in page_text(response), name
    response = editor_client.post(
        address, {**FORM, "name": "Jane Roe", "family_name": "Doe", "preview": "1"}
    )
    assert "“Doe” is not part of “Jane Roe”" in page_text(response)
    assert jane().name == "Jane Doe"
    assert set(PublishedPerson.objects.values_list("name", flat=True)) >= {"Jane Doe"}


def test_markup_in_a_new_name_is_shown_as_text(client, vision):
    replace(jane(), "<b>Jane</b> Roe")

    page = client.get("/credits/vision/").text
    assert "&lt;b&gt;Jane&lt;/b&gt; Roe" in page and "<b>Jane</b>" not in page
    assert jane().slug == "bjaneb-roe"


def test_a_name_changed_since_it_was_seen_is_not_replaced(vision):
    person = jane()
    Person.objects.filter(pk=person.pk).update(name="Jane Smyth")

    with pytest.raises(RenameError, match="The name changed since you saw it"):
        replace(person, "Jane Roe")

    assert Person.objects.get(pk=person.pk).name == "Jane Smyth"
    assert set(PublishedPerson.objects.filter(person=person).values_list("name", flat=True)) == {
        "Jane Doe"
    }


# The admin's screen


FORM = {"family_name": "", "sort_name": "", "old_name": "keep", "replace_in_texts": "on"}


def replace_through_the_admin(client, person, **fields):
    """Preview, then confirm, a replacement on the Replace name screen; return both responses."""
    address = url(Person, "replace_name", person.pk)
    data = {**FORM, **fields}
    preview_page = client.post(address, {**data, "preview": "1"})
    assert preview_page.status_code == 200
    previewed = preview_page.context["previewed"]
    return preview_page, client.post(address, {**data, "previewed": previewed, "confirm": "1"})


def test_the_person_page_links_the_screen(editor_client, vision):
    person = jane()

    page = editor_client.get(url(Person, "change", person.pk))

    assert f'href="{url(Person, "replace_name", person.pk)}"' in page.text


def test_the_preview_lists_what_changes_then_the_name_is_replaced(editor_client, vision, editor):
    person = jane()

    address = url(Person, "replace_name", person.pk)
    data = {**FORM, "name": "Jane Roe", "old_name": "drop"}

    preview_page = editor_client.post(address, {**data, "preview": "1"})
    assert jane().name == "Jane Doe"
    confirmed = editor_client.post(
        address, {**data, "previewed": preview_page.context["previewed"], "confirm": "1"}
    )

    text = page_text(preview_page)
    assert "What replacing “Jane Doe” by “Jane Roe” changes" in text
    assert "<li>Atlas</li> <li>Vision credits</li>" in text
    assert "Published versions rewritten: 3" in text
    assert "<li>Atlas: version 1</li> <li>Vision credits: versions 1, 2</li>" in text
    assert "/people/jane-doe/ becomes /people/jane-roe/." in text
    assert "/people/jane-doe/ will no longer work" in text
    assert "sorted as “Roe, Jane”" in text
    assert confirmed["Location"] == url(Person, "change", person.pk)
    shown = editor_client.get(confirmed["Location"])
    assert [str(message) for message in shown.context["messages"]] == [
        "The name is now “Jane Roe” everywhere, published versions included; the page is at "
        "/people/jane-roe/. The old name was not kept."
    ]
    entry = LogEntry.objects.get(object_id=str(person.pk), content_type__model="person")
    assert (entry.user, entry.get_change_message()) == (
        editor,
        "Replaced the name everywhere; the old name not kept.",
    )
    assert "Doe" not in entry.object_repr


def test_a_confirmation_of_something_else_than_previewed_is_previewed_again(editor_client, vision):
    person = jane()
    address = url(Person, "replace_name", person.pk)
    preview_page = editor_client.post(address, {**FORM, "name": "Jane Roe", "preview": "1"})

    response = editor_client.post(
        address,
        {
            **FORM,
            "name": "Jane Rue",
            "previewed": preview_page.context["previewed"],
            "confirm": "1",
        },
    )

    assert response.status_code == 200
    assert "What replacing “Jane Doe” by “Jane Rue” changes" in page_text(response)
    assert jane().name == "Jane Doe"


@pytest.mark.parametrize("permission", [None, "view_person"])
def test_only_editors_who_may_change_people_replace_names(client, vision, permission):
    user = User.objects.create_user("reader", is_staff=True)
    if permission:
        user.user_permissions.add(Permission.objects.get(codename=permission))
    client.force_login(user)
    person = jane()
    address = url(Person, "replace_name", person.pk)

    shown = client.get(address)
    posted = client.post(address, {**FORM, "name": "Jane Roe", "confirm": "1"})
    change_page = client.get(url(Person, "change", person.pk))

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert "Replace name" not in change_page.text
    assert jane().name == "Jane Doe"


def test_the_screen_needs_a_signed_in_editor(client, vision):
    response = client.get(url(Person, "replace_name", jane().pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# Concurrent publications


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite lets no two connections write at once"
)


def run_in_thread(target, results, name):
    def run():
        try:
            results[name] = target()
        except Exception as error:  # noqa: BLE001 - the test reads what happened
            results[name] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_publication_that_read_the_old_name_first_fails_instead_of_publishing_it(
    vision, make_credit
):
    make_credit("Barbara Liskov", team=vision.sections.get().teams.get())
    reviewed = preview(vision)
    read, release = threading.Event(), threading.Event()
    results = {}

    def pause_after_its_first_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "set_config" in sql:
            read.set()
            release.wait(timeout=10)
        return result

    def publish_slowly():
        with connection.execute_wrapper(pause_after_its_first_read):
            return publish(vision, base=2, fingerprint=reviewed.fingerprint, wait_seconds=5)

    publishing = run_in_thread(publish_slowly, results, "publish")
    assert read.wait(timeout=10)
    replace(jane(), "Jane Roe")
    release.set()
    publishing.join(timeout=10)

    assert isinstance(results["publish"], PublishError)
    assert str(results["publish"]).startswith("The project changed while it was being published")
    publish(vision)
    names = set(PublishedPerson.objects.filter(person=jane()).values_list("name", flat=True))
    assert names == {"Jane Roe"}


@on_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_replacement_waits_for_a_publication_under_way_and_renames_it_too(vision, make_credit):
    make_credit("Barbara Liskov", team=vision.sections.get().teams.get())
    locked, release = threading.Event(), threading.Event()
    results = {}

    def hold_the_lock(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "FOR UPDATE" in sql:
            locked.set()
            release.wait(timeout=10)
        return result

    def publish_holding_the_lock():
        with connection.execute_wrapper(hold_the_lock):
            return publish(vision)

    publishing = run_in_thread(publish_holding_the_lock, results, "publish")
    assert locked.wait(timeout=10)
    replacing = run_in_thread(lambda: replace(jane(), "Jane Roe"), results, "replace")
    replacing.join(timeout=0.5)
    assert replacing.is_alive()  # waiting for the project being published
    release.set()
    publishing.join(timeout=10)
    replacing.join(timeout=10)

    assert results["publish"].version.number == 3
    names = set(PublishedPerson.objects.filter(person=jane()).values_list("name", flat=True))
    assert names == {"Jane Roe"}
    assert Version.objects.get(project=vision, number=3).people.filter(name="Jane Roe").exists()


# Asked for in the person's review


def review_form(credited, **changes):
    """The corrections form as Mark Chen's review page shows it, with `changes`."""
    data = {
        "action": "propose",
        "name": "Mark Chen",
        "former_name": "keep",
        "sort_name": "",
        "orcid": "",
        "homepage": "",
        f"title-{credited['mark_credit'].pk}": "",
        "missing": "",
        "note": "",
    }
    return {**data, **changes}


@pytest.fixture
def published_review(client, credited, open_review, settings):
    """Mark Chen's review of Vision, published, opened with his link in a client of his own."""
    settings.REVIEW_RATE_LIMIT = 10_000
    publish(credited["project"])
    review, link = open_review(credited["mark"], credited["project"])
    browser = Client()
    return review, browser, browser.get(link)["Location"]


def test_a_person_asks_to_replace_their_former_name_everywhere(credited, published_review):
    review, browser, page = published_review

    response = browser.post(
        page, review_form(credited, name="Mark Chén", replace_everywhere="on", former_name="drop")
    )

    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.value, proposal.replacement) == ("name", "Mark Chén", "drop")
    text = page_text(browser.get(page))
    assert "“Mark Chen” → “Mark Chén”, everywhere, the former name not kept" in text


def test_choosing_another_way_for_the_former_name_replaces_the_proposal(credited, published_review):
    review, browser, page = published_review
    browser.post(page, review_form(credited, name="Mark Chén"))

    browser.post(page, review_form(credited, name="Mark Chén", replace_everywhere="on"))

    assert list(Proposal.objects.values_list("value", "replacement")) == [("Mark Chén", "keep")]


def test_replacing_everywhere_needs_a_new_name(credited, published_review):
    review, browser, page = published_review

    response = browser.post(page, review_form(credited, replace_everywhere="on"))

    assert response.status_code == 200
    assert "Write your name as it should be above to replace it." in page_text(response)
    assert not Proposal.objects.exists()


def test_an_editor_accepts_a_replacement_through_the_same_screen(
    editor_client, credited, published_review, editor
):
    review, browser, page = published_review
    browser.post(
        page, review_form(credited, name="Mark Chén", replace_everywhere="on", former_name="drop")
    )
    proposal = Proposal.objects.get()
    review_page = url(Review, "change", review.pk)
    screen = f"{url(Person, 'replace_name', credited['mark'].pk)}?proposal={proposal.pk}"

    queue = editor_client.get(review_page)
    posted = editor_client.post(review_page, {"proposal": proposal.pk, "decision": "accept"})
    form_page = editor_client.get(screen)
    data = {**FORM, "name": "Mark Chén", "old_name": "drop", "proposal": proposal.pk}
    preview_page = editor_client.post(screen, {**data, "preview": "1"})
    confirmed = editor_client.post(
        screen, {**data, "previewed": preview_page.context["previewed"], "confirm": "1"}
    )

    assert f'href="{screen}"' in queue.text and "Review and replace…" in queue.text
    assert posted["Location"] == screen
    assert form_page.context["form"]["name"].value() == "Mark Chén"
    assert "Do not keep “Mark Chen” at all" in form_page.text
    assert "Keep “Mark Chen”" not in form_page.text
    assert confirmed["Location"] == review_page
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("accepted", editor)
    mark = Person.objects.get(pk=credited["mark"].pk)
    assert (mark.name, mark.slug) == ("Mark Chén", "mark-chen")
    record = mark.history.first()
    assert (record.history_user, record.history_change_reason) == (
        editor,
        "Name replaced, accepted from Mark Chén's review",
    )
    assert not Alias.objects.exists()
    public = Client().get("/credits/vision/").text
    assert "Mark Chén" in public and "Mark Chen" not in public
    assert "Accepted by the editors on" in page_text(browser.get(page))


def test_the_editor_cannot_choose_for_the_person_what_becomes_of_their_former_name(
    editor_client, credited, published_review
):
    review, browser, page = published_review
    browser.post(
        page, review_form(credited, name="Mark Chén", replace_everywhere="on", former_name="drop")
    )
    proposal = Proposal.objects.get()
    screen = f"{url(Person, 'replace_name', credited['mark'].pk)}?proposal={proposal.pk}"

    response = editor_client.post(
        screen, {**FORM, "name": "Mark Chén", "old_name": "keep", "preview": "1"}
    )

    assert "Select a valid choice. keep is not one of the available choices." in page_text(response)


def test_accepting_a_replacement_directly_goes_through_the_same_code(
    credited, published_review, editor
):
    review, _, _ = published_review
    propose(review, [Change("name", "Mark Chén", "Mark Chen", replacement="keep")])

    changed = accept(Proposal.objects.get(), editor)

    assert changed.name == "Mark Chén"
    assert list(Alias.objects.values_list("name", flat=True)) == ["Mark Chen"]
    assert set(PublishedPerson.objects.values_list("name", flat=True)) == {
        "Mark Chén",
        "Ada Lovelace",
    }
    assert Person.history.filter(id=changed.pk).first().history_change_reason == (
        "Name replaced, accepted from Mark Chén's review"
    )


def test_a_decided_proposal_leads_back_to_the_review(editor_client, credited, published_review):
    review, _, _ = published_review
    propose(review, [Change("name", "Mark Chén", "Mark Chen", replacement="keep")])
    proposal = Proposal.objects.get()
    Proposal.objects.filter(pk=proposal.pk).update(status="rejected", reason="No.")

    response = editor_client.get(
        f"{url(Person, 'replace_name', credited['mark'].pk)}?proposal={proposal.pk}"
    )

    assert response["Location"] == url(Review, "change", review.pk)


def test_deciding_a_replacement_needs_the_permission_to_decide_reviews(
    client, credited, published_review
):
    review, _, _ = published_review
    propose(review, [Change("name", "Mark Chén", "Mark Chen", replacement="keep")])
    user = User.objects.create_user("people-editor", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_person"))
    client.force_login(user)
    screen = url(Person, "replace_name", credited["mark"].pk)

    with_proposal = client.get(f"{screen}?proposal={Proposal.objects.get().pk}")
    without = client.get(screen)

    assert (with_proposal.status_code, without.status_code) == (403, 200)


def test_the_database_refuses_a_replacement_of_something_else_than_a_name(credited, open_review):
    review, _ = open_review(credited["mark"], credited["project"])

    with pytest.raises(IntegrityError):
        Proposal.objects.create(review=review, kind="orcid", value="x", replacement="keep")


# In a real browser


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_editor_replaces_a_name_in_a_browser(tab, vision):
    person = jane()
    tab.sign_in("editor", "editor-password-123")
    tab.page.goto(url(Person, "change", person.pk))

    tab.page.click("text=Replace name…")
    tab.page.fill("#id_name", "Jane Roe")
    tab.page.check("input[name=old_name][value=drop]")
    tab.page.click("input[name=preview]")
    tab.screenshot("replace-name-preview")
    versions = tab.page.locator("h3", has_text="Published versions rewritten").inner_text()
    tab.page.click("input[name=confirm]")
    tab.page.wait_for_url(f"**{url(Person, 'change', person.pk)}")
    message = tab.page.locator(".messagelist .success").inner_text()
    tab.page.goto("/credits/vision/v/1/")
    page = tab.page.content()

    assert versions == "Published versions rewritten: 3"
    assert message.startswith("The name is now “Jane Roe” everywhere")
    assert "Jane Roe" in page and "Doe" not in page
    assert tab.csp_violations() == []
