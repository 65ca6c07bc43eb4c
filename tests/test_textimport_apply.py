"""Writing what the spreadsheet cannot carry (page texts, links, thanks) in add and sync mode."""

import pytest

from people.models import Acknowledgment, Person, Resource
from people.spreadsheet.plan import SYNC
from people.textimport.apply import import_text, plan_text_import
from people.textimport.decode import HTML, PLAIN
from people.textimport.reader import read_text
from tests.seed import SEED_PATH

pytestmark = pytest.mark.django_db

PAGE = """<h1>Atlas</h1>
<p>Atlas maps the sea floor. Contributions are listed alphabetically.</p>
<ul><li><a href="https://example.org/atlas-paper">Atlas paper</a></li></ul>
<h2>Research</h2>
<p>Ada Lovelace, Grace Hopper</p>
<h2>Acknowledgments</h2>
<p>We thank our reviewers: Alan Turing, Jean Sammet.</p>
"""


def seed():
    return read_text(SEED_PATH.read_text(encoding="utf-8"), PLAIN)


def test_importing_the_same_text_twice_changes_nothing_the_second_time(make_project):
    project = make_project()
    import_text(project, seed())
    project.refresh_from_db()

    planned = plan_text_import(project, seed())

    assert not planned.has_changes
    assert planned.summary() == "0 new credits, 210 unchanged; besides the credits: nothing else"


def test_add_mode_keeps_what_the_project_has_and_says_so(make_project):
    project = make_project(intro="Our own intro.", citation="Atlas team (2024)")
    Resource.objects.create(
        project=project, title="Atlas paper", url="https://example.org/atlas-paper"
    )

    planned = import_text(project, read_text(PAGE, HTML))

    project.refresh_from_db()
    assert [(c.label, c.is_written) for c in planned.extras.fields] == [
        ("intro", False),
        ("ordering note", True),
    ]
    assert project.intro == "Our own intro."
    assert project.ordering_note == "Contributions are listed alphabetically."
    assert project.resources.count() == 1


def test_sync_mode_makes_links_and_acknowledgments_exactly_the_page(make_project, make_person):
    project = make_project(intro="Old intro.")
    Resource.objects.create(project=project, title="Old link", url="https://example.org/old")
    old = Acknowledgment.objects.create(project=project, text="We thank nobody in particular.")
    old.mentions.create(person=make_person("Zora Old"))

    import_text(project, read_text(PAGE, HTML), SYNC)

    project.refresh_from_db()
    assert project.intro == "Atlas maps the sea floor."
    assert list(project.resources.values_list("title", "url")) == [
        ("Atlas paper", "https://example.org/atlas-paper")
    ]
    assert [
        (a.text, sorted(m.person.name for m in a.mentions.all()))
        for a in project.acknowledgments.all()
    ] == [("We thank our reviewers:", ["Alan Turing", "Jean Sammet"])]


def test_people_named_only_in_thanks_are_created_once_and_credited_people_reused(make_project):
    project = make_project()
    page = PAGE + "<p>We also thank Ada Lovelace’s family: Ada Lovelace, Byron King.</p>"

    planned = import_text(project, read_text(page, HTML))

    assert sorted(p.name for p in planned.extras.new_people) == [
        "Alan Turing",
        "Byron King",
        "Jean Sammet",
    ]
    assert Person.objects.filter(name="Ada Lovelace").count() == 1
    assert Person.objects.count() == 5
    assert Person.objects.get(name="Byron King").history.first().history_type == "+"
