import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from people.models import (
    Acknowledgment,
    Alias,
    Credit,
    Mention,
    Person,
    Project,
    Resource,
    Section,
    Team,
)
from people.sorting import normalize_name, sort_key
from people.versions import publish
from tests.conftest import load_gpt4v
from tests.html_tree import parse
from tests.seed import load_seed

pytestmark = pytest.mark.django_db

FIXTURE = settings.BASE_DIR / "fixtures" / "gpt4v.json"
# The seed's misspellings and the person each one is shown as.
DISPLAY_NAME = {
    "Madelaine Boyd": "Madeline Boyd",
    "Madeleine Boyd": "Madeline Boyd",
    "Filippo Rasso": "Filippo Raso",
}
RESOURCES = [
    ("GPT-4 Technical Report", "https://arxiv.org/abs/2303.08774"),
    ("GPT-4V System Card", "https://openai.com/index/gpt-4v-system-card/"),
    (
        "ChatGPT Can Now See, Hear and Speak",
        "https://openai.com/index/chatgpt-can-now-see-hear-and-speak/",
    ),
    (
        "The Dawn of LMMs: Preliminary Explorations with GPT-4V(ision)",
        "https://arxiv.org/abs/2309.17421",
    ),
]


def display(name):
    return DISPLAY_NAME.get(name, name)


def in_page_order(names):
    """Display names as the page lists them: once each, by sort key."""
    return sorted({display(name) for name in names}, key=lambda name: (sort_key(name), name))


@pytest.fixture(scope="module")
def seed():
    return load_seed()


# Loading and the data itself


def test_the_fixture_loads_into_an_empty_database():
    call_command("loaddata", FIXTURE, verbosity=0)

    counts = {
        model.__name__: model.objects.count()
        for model in [Project, Resource, Section, Team, Person, Alias, Credit, Acknowledgment]
    }
    assert counts == {
        "Project": 1,
        "Resource": 4,
        "Section": 4,
        "Team": 25,
        "Person": 151,
        "Alias": 3,
        "Credit": 210,
        "Acknowledgment": 3,
    }
    assert Mention.objects.count() == 32


def test_new_rows_can_be_added_after_loading():
    call_command("loaddata", FIXTURE, verbosity=0)

    # On PostgreSQL this needs the id sequences moved past the fixture's ids.
    person = Person.objects.create(name="Ada Lovelace", slug="ada-lovelace")

    assert person.pk == 152
    assert Person.objects.count() == 152


def test_the_tests_quick_loader_gives_the_rows_loaddata_gives():
    models = [Project, Resource, Section, Team, Person, Alias, Credit, Acknowledgment, Mention]
    with transaction.atomic():
        call_command("loaddata", FIXTURE, verbosity=0)
        loaded = {model: list(model.objects.order_by("pk").values()) for model in models}
        transaction.set_rollback(True)

    load_gpt4v()

    assert {model: list(model.objects.order_by("pk").values()) for model in models} == loaded


def test_every_sort_key_in_the_fixture_is_the_computed_one():
    people = [
        row["fields"] for row in json.loads(FIXTURE.read_text()) if row["model"] == "people.person"
    ]

    wrong = [p["name"] for p in people if p["sort_key"] != sort_key(p["name"], p["sort_name"])]

    assert len(people) == 151
    assert wrong == []


def test_loaded_people_have_normalized_names_and_ascii_slugs(gpt4v_read):
    people = list(Person.objects.all())

    assert [p.name for p in people if p.name != normalize_name(p.name)] == []
    assert [p.slug for p in people if not p.slug or not p.slug.isascii()] == []
    assert Person.objects.get(name="Łukasz Kondraciuk").slug == "lukasz-kondraciuk"
    assert Person.objects.get(name="David Mélý").slug == "david-mely"
    assert Person.objects.get(name="Paul Röttger").slug == "paul-rottger"


def test_misspellings_are_aliases_of_one_person(gpt4v_read):
    aliases = set(Alias.objects.values_list("name", "person__name"))

    assert aliases == set(DISPLAY_NAME.items())
    assert not Person.objects.filter(name__in=DISPLAY_NAME).exists()
    boyd = Person.objects.get(name="Madeline Boyd")
    assert sorted(str(role) for role in boyd.credits.all()) == [
        "Madeline Boyd (Deployment contributions: Trust & safety engineering lead)",
        "Madeline Boyd (Deployment platform)",
        "Madeline Boyd (Evaluation data)",
        "Madeline Boyd (Safety systems research)",
        "Madeline Boyd (Trust & safety engineering)",
    ]


def test_project_fields(gpt4v_read, seed):
    assert gpt4v_read.title == "GPT-4V(ision) technical work and authors"
    assert gpt4v_read.intro == seed.intro
    assert gpt4v_read.intro.endswith("consists of multiple resources:")
    assert gpt4v_read.closing_text == seed.closing_text
    assert gpt4v_read.citation == "OpenAI (2023)"
    assert gpt4v_read.ordering_note == "Contributions are sorted alphabetically."
    assert gpt4v_read.assembled_by.name == "Raul Puri"
    assert gpt4v_read.is_published
    assert gpt4v_read.published_at.isoformat() == "2023-09-25T00:00:00+00:00"
    assert gpt4v_read.updated_at.isoformat() == "2023-09-25T00:00:00+00:00"
    assert list(gpt4v_read.resources.values_list("title", "url")) == RESOURCES


def test_memberships_have_no_title_and_leads_have_one(gpt4v_read):
    memberships = Credit.objects.filter(team__isnull=False)
    leads = Credit.objects.filter(section__isnull=False)

    assert memberships.count() == 197
    assert memberships.exclude(title="").count() == 0
    assert leads.count() == 13
    assert leads.filter(title="").count() == 0


def test_the_csv_holds_the_same_credits_in_page_order(gpt4v_read):
    lines = ["section,team,person,role"]
    for section in gpt4v_read.sections.all():
        lines += [
            f"{section.title},,{role.person.name},{role.title}" for role in section.leads.all()
        ]
        for team in section.teams.all():
            team_name = f'"{team.name}"' if "," in team.name else team.name
            lines += [
                f"{section.title},{team_name},{role.person.name}," for role in team.credits.all()
            ]

    data = (settings.BASE_DIR / "fixtures" / "gpt4v.csv").read_bytes()

    assert data == ("\n".join(lines) + "\n").encode()
    assert len(lines) == 1 + 210
    assert "Additional contributions,,Greg Brockman,\n" in data.decode()


# The load_gpt4v command (used by `make run`)


def test_load_gpt4v_loads_once_and_reports_counts():
    out = StringIO()

    call_command("load_gpt4v", stdout=out)

    assert out.getvalue() == "Loaded the GPT-4V credits: 151 people, 210 credits.\n"
    assert Project.objects.filter(slug="gpt-4v").count() == 1
    assert Credit.objects.count() == 210


def test_load_gpt4v_makes_the_misspellings_private_and_the_page_shows_none(client):
    call_command("load_gpt4v", stdout=StringIO())

    page = client.get("/credits/gpt-4v/").content.decode()
    person_page = client.get("/people/madeline-boyd/").content.decode()

    assert list(Alias.objects.values_list("is_public", flat=True)) == [False, False, False]
    assert [name for name in DISPLAY_NAME if name in page or name in person_page] == []
    assert "data-aliases" not in page


def test_load_gpt4v_leaves_a_loaded_page_alone(gpt4v):
    Person.objects.filter(name="Raul Puri").update(name="Raul Puri (edited)")
    Credit.objects.filter(person__name="Maddie Simens").delete()
    out = StringIO()

    call_command("load_gpt4v", stdout=out)

    assert out.getvalue() == "The GPT-4V credits are already loaded; nothing changed.\n"
    assert Person.objects.filter(name="Raul Puri (edited)").count() == 1
    assert Person.objects.count() == 151
    assert Credit.objects.count() == 209


def test_load_gpt4v_refuses_to_overwrite_other_rows_with_the_same_ids():
    Person.objects.create(pk=1, name="Ada Lovelace", slug="ada-lovelace")
    out, err = StringIO(), StringIO()

    call_command("load_gpt4v", stdout=out, stderr=err)

    assert out.getvalue() == ""
    assert "Not loading the GPT-4V credits: the database already has 1 people" in err.getvalue()
    assert list(Person.objects.values_list("name", flat=True)) == ["Ada Lovelace"]
    assert not Project.objects.exists()


# The rendered page against the seed text


def people_links(element):
    return [(a.text(), a.attrs.get("href")) for a in element.find_all("a", "person")]


def expected_links(names):
    return [(name, f"/people/{Person.objects.get(name=name).slug}/") for name in names]


@pytest.fixture
def page(client, gpt4v):
    publish(gpt4v)
    response = client.get("/credits/gpt-4v/")
    assert response.status_code == 200
    return parse(response.text)


def test_page_title_and_headings_in_order(page, seed):
    section_titles = [section.title for section in seed.sections]

    headings = [h2.text() for h2 in page.find_all("h2")]

    assert [h1.text() for h1 in page.find_all("h1")] == [seed.title]
    assert section_titles == [
        "Research contributions",
        "Safety contributions",
        "Deployment contributions",
        "Additional contributions",
    ]
    expected = ["Authorship, credit attribution, and acknowledgments", *section_titles]
    expected.append("Acknowledgments")
    assert [h for h in headings if h in expected] == expected
    credits_sections = page.find_all("section", "credits-section")
    assert [s.find("h2").text() for s in credits_sections] == section_titles
    assert [s.attrs["id"] for s in credits_sections] == [s.anchor for s in Section.objects.all()]


def test_intro_resources_and_closing_text(page, seed):
    text = page.text()

    resources = page.find("ul", "resources")

    assert seed.intro in text
    assert seed.closing_text in text
    assert [(a.text(), a.attrs["href"]) for a in resources.find_all("a")] == RESOURCES


def test_citation_and_assembler(page):
    authorship = next(s for s in page.find_all("section") if s.attrs.get("id") == "authorship")

    assert authorship.find("h2").text() == "Authorship, credit attribution, and acknowledgments"
    assert "OpenAI (2023)" in authorship.text()
    assert "Contributions are sorted alphabetically." in authorship.text()
    assert people_links(authorship) == [("Raul Puri", "/people/raul-puri/")]


def test_lead_lines_sorted_under_each_section(page, seed):
    rendered = {
        s.find("h2").text(): [
            (li.find("a", "person").text(), li.find("span", "credit-title").text())
            for li in s.find_all("li", "lead")
        ]
        for s in page.find_all("section", "credits-section")
    }

    expected = {
        section.title: sorted(
            ((display(name), title) for name, title in section.leads),
            key=lambda lead: (sort_key(lead[0]), lead[0], lead[1]),
        )
        for section in seed.sections
    }
    assert rendered == expected
    assert rendered["Deployment contributions"][0] == (
        "Madeline Boyd",
        "Trust & safety engineering lead",
    )
    assert rendered["Additional contributions"] == []


def test_every_lead_links_to_the_person_page(page):
    leads = page.find_all("li", "lead")

    links = [link for li in leads for link in people_links(li)]

    assert len(links) == 13
    assert links == expected_links([name for name, _ in links])


def test_team_headings_in_order_with_the_lost_ones_restored(page, seed):
    rendered = {
        s.find("h2").text(): [
            [h3.text() for h3 in team.find_all("h3")] for team in s.find_all("section", "team")
        ]
        for s in page.find_all("section", "credits-section")
    }

    expected = {
        section.title: [[team.name] if team.name else [] for team in section.teams]
        for section in seed.sections
    }
    assert rendered == expected
    assert ["Data"] in rendered["Research contributions"]
    assert ["Design"] in rendered["Deployment contributions"]
    assert rendered["Additional contributions"] == [
        [],
        ["Communications"],
        ["Deployment security"],
        ["User Support"],
        ["Legal"],
    ]


def test_every_seed_name_in_its_team_sorted_by_family_name(page, seed):
    rendered = [
        [a_text for a_text, _ in people_links(team.find("ul", "names"))]
        for s in page.find_all("section", "credits-section")
        for team in s.find_all("section", "team")
    ]

    expected = [in_page_order(team.members) for s in seed.sections for team in s.teams]
    assert rendered == expected
    evaluation_data = rendered[3]
    assert evaluation_data[-2:] == ["Rowan Zellers", "Chong Zhang"]
    assert "Madeline Boyd" in evaluation_data and "Filippo Raso" in evaluation_data


def test_the_page_follows_an_editors_sort_name(client, gpt4v):
    henrique = Person.objects.get(name="Henrique Ponde de Oliveira Pinto")
    henrique.sort_name = "Pinto, Henrique Ponde de Oliveira"
    henrique.save()
    publish(gpt4v)

    page = parse(client.get("/credits/gpt-4v/").text)

    team = next(
        t
        for t in page.find_all("section", "team")
        if [h3.text() for h3 in t.find_all("h3")] == ["Deployment engineering"]
    )
    names = [name for name, _ in people_links(team)]
    assert names[10:14] == [
        "Rajeev Nayak",
        "Adam Perelman",
        "Henrique Ponde de Oliveira Pinto",
        "Raul Puri",
    ]


def test_every_team_member_links_to_the_person_page(page):
    teams = page.find_all("section", "team")

    links = [link for team in teams for link in people_links(team)]

    assert len(links) == 197
    assert links == expected_links([name for name, _ in links])


def test_acknowledgments_paragraphs_and_named_people(page, seed):
    acknowledgments = next(
        s for s in page.find_all("section") if s.attrs.get("id") == "acknowledgments"
    )

    blocks = acknowledgments.find_all("div", "acknowledgment")

    assert acknowledgments.find("h2").text() == "Acknowledgments"
    assert [" ".join(p.text() for p in block.find_all("p")) for block in blocks] == [
        ack.text for ack in seed.acknowledgments
    ]
    assert [people_links(block) for block in blocks] == [
        expected_links(in_page_order(ack.names)) for ack in seed.acknowledgments
    ]
    assert seed.acknowledgments[0].text.endswith("or OpenAI’s policies:")
    assert [len(ack.names) for ack in seed.acknowledgments] == [25, 7, 0]
