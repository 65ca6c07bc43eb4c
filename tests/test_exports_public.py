import json

import bibtexparser
import pytest
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from cffconvert import Citation
from django.contrib.auth.models import User
from django.test import Client

from people.models import Acknowledgment, Mention, Person, Role, Section, Team
from tests.html_tree import parse

pytestmark = pytest.mark.django_db

FILES = ["credits.json", "credits.csv", "CITATION.cff", "citation.bib"]


@pytest.fixture
def project(make_project, make_person):
    """A published project cited as "OpenAI (2023)", its people entered out of order."""
    project = make_project(
        title="GPT-4V(ision) technical work and authors",
        slug="gpt-4v",
        intro="Our work consists of:",
        citation="OpenAI (2023)",
        assembled_by=make_person("Raul Puri"),
    )
    research = Section.objects.create(project=project, title="Research contributions", position=1)
    safety = Section.objects.create(project=project, title="Safety contributions", position=2)
    Role.objects.create(
        person=Person.objects.get(name="Raul Puri"), section=research, title="Engineering lead"
    )
    data = Team.objects.create(section=research, name="Data", position=1)
    for name in ["Łukasz Kondraciuk", "Diogo Moitinho de Almeida", "Madonna"]:
        Role.objects.create(person=make_person(name), team=data)
    unheaded = Team.objects.create(section=safety, name="", position=1)
    Role.objects.create(person=make_person("Martin Luther King Jr."), team=unheaded, title="Chair")
    Role.objects.create(person=Person.objects.get(name="Madonna"), team=unheaded)
    thanks = Acknowledgment.objects.create(project=project, text="We thank our red teamers:")
    Mention.objects.create(acknowledgment=thanks, person=make_person("Paul Röttger"))
    return project


def get(client, name):
    response = client.get(f"/credits/gpt-4v/{name}")
    assert response.status_code == 200
    return response


def test_the_page_links_to_every_file(client, project):
    page = parse(client.get("/credits/gpt-4v/").text)

    links = page.by_id("authorship").find("ul", "downloads").find_all("a")

    assert [(a.text(), a.attrs["href"]) for a in links] == [
        ("CITATION.cff", "/credits/gpt-4v/CITATION.cff"),
        ("BibTeX", "/credits/gpt-4v/citation.bib"),
        ("JSON", "/credits/gpt-4v/credits.json"),
        ("CSV", "/credits/gpt-4v/credits.csv"),
    ]


@pytest.mark.parametrize(
    ("name", "content_type", "disposition"),
    [
        (
            "credits.json",
            "application/json; charset=utf-8",
            'inline; filename="gpt-4v-credits.json"',
        ),
        ("credits.csv", "text/csv; charset=utf-8", 'attachment; filename="gpt-4v-credits.csv"'),
        ("CITATION.cff", "application/yaml; charset=utf-8", 'attachment; filename="CITATION.cff"'),
        (
            "citation.bib",
            "application/x-bibtex; charset=utf-8",
            'attachment; filename="gpt-4v.bib"',
        ),
    ],
)
def test_content_types_and_file_names(client, project, name, content_type, disposition):
    response = get(client, name)

    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == disposition


@pytest.mark.parametrize("name", FILES)
def test_a_draft_has_no_files_for_the_public(client, project, name):
    project.is_published = False
    project.save()
    staff = Client()
    staff.force_login(User.objects.create_user("staff", is_staff=True))

    assert client.get(f"/credits/gpt-4v/{name}").status_code == 404
    assert staff.get(f"/credits/gpt-4v/{name}").status_code == 200


@pytest.mark.parametrize("name", FILES)
def test_a_cached_file_is_served_without_queries(client, project, name, django_assert_num_queries):
    first = get(client, name)

    with django_assert_num_queries(0):
        second = get(client, name)

    assert second.content == first.content
    assert second.headers["Content-Disposition"] == first.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("credits.json", '"name": "Madonna Ciccone"'),
        ("credits.csv", "Data,Madonna Ciccone,"),
        ("CITATION.cff", 'family-names: "Ciccone"'),
        ("citation.bib", "year = {2024}"),
    ],
)
def test_files_follow_an_edit_at_once(client, project, name, expected):
    get(client, name)
    person = Person.objects.get(name="Madonna")
    person.name = "Madonna Ciccone"
    person.save()
    project.citation = "OpenAI (2024)"
    project.save()

    assert expected in get(client, name).content.decode()


def test_json_holds_the_whole_page_in_order(client, project):
    response = get(client, "credits.json")

    data = json.loads(response.content)
    assert list(data) == [
        "title",
        "url",
        "published_at",
        "updated_at",
        "citation",
        "citation_message",
        "ordering_note",
        "assembled_by",
        "intro",
        "resources",
        "closing_text",
        "sections",
        "acknowledgments",
    ]
    assert data["url"] == "http://testserver/credits/gpt-4v/"
    assert data["citation"] == "OpenAI (2023)"
    assert data["assembled_by"]["url"] == "http://testserver/people/raul-puri/"
    research, safety = data["sections"]
    assert research["url"] == "http://testserver/credits/gpt-4v/#research-contributions"
    assert research["leads"] == [
        {
            "name": "Raul Puri",
            "url": "http://testserver/people/raul-puri/",
            "title": "Engineering lead",
        }
    ]
    assert [team["name"] for team in research["teams"] + safety["teams"]] == ["Data", None]
    assert [person["name"] for person in research["teams"][0]["people"]] == [
        "Diogo Moitinho de Almeida",
        "Łukasz Kondraciuk",
        "Madonna",
    ]
    assert safety["teams"][0]["people"][0] == {
        "name": "Martin Luther King Jr.",
        "url": "http://testserver/people/martin-luther-king-jr/",
        "title": "Chair",
    }
    assert safety["teams"][0]["url"] == (
        "http://testserver/credits/gpt-4v/#safety-contributions--unheaded"
    )
    assert data["acknowledgments"] == [
        {
            "text": "We thank our red teamers:",
            "people": [
                {
                    "name": "Paul Röttger",
                    "url": "http://testserver/people/paul-rottger/",
                    "title": None,
                }
            ],
        }
    ]
    assert "Łukasz Kondraciuk" in response.content.decode()


def test_csv_is_the_import_format_in_page_order(client, project):
    text = get(client, "credits.csv").content.decode()

    assert text.splitlines() == [
        "section,team,person,role",
        "Research contributions,,Raul Puri,Engineering lead",
        "Research contributions,Data,Diogo Moitinho de Almeida,",
        "Research contributions,Data,Łukasz Kondraciuk,",
        "Research contributions,Data,Madonna,",
        "Safety contributions,,Martin Luther King Jr.,Chair",
        "Safety contributions,,Madonna,",
    ]


def cff(client):
    return Citation(get(client, "CITATION.cff").content.decode())


def test_citation_cff_is_valid_cff_1_2_0(client, project):
    citation = cff(client)

    citation.validate()
    assert citation.cffobj["cff-version"] == "1.2.0"


def test_citation_cff_names_the_credited_people_in_page_order(client, project):
    person = Person.objects.get(name="Łukasz Kondraciuk")
    person.orcid = "0000-0002-1825-0097"
    person.homepage = "https://lukasz.example.org/"
    person.save()

    data = cff(client).cffobj

    assert data["authors"] == [
        {"family-names": "Puri", "given-names": "Raul"},
        {"family-names": "Almeida", "given-names": "Diogo Moitinho", "name-particle": "de"},
        {
            "family-names": "Kondraciuk",
            "given-names": "Łukasz",
            "orcid": "https://orcid.org/0000-0002-1825-0097",
            "website": "https://lukasz.example.org/",
        },
        {"name": "Madonna"},
        {"family-names": "King", "given-names": "Martin Luther", "name-suffix": "Jr."},
    ]
    assert data["title"] == "GPT-4V(ision) technical work and authors"
    assert data["url"] == "http://testserver/credits/gpt-4v/"
    assert data["date-released"] == project.published_at.date().isoformat()
    assert data["type"] == "software"


def test_citation_cff_stays_valid_with_awkward_text(client, project, make_person):
    project.title = 'Work: "quoted" \\ #1 - yes\nnull'
    project.save()
    Role.objects.create(
        person=make_person("- no: 'Ann' #x\x9f\ufeff", slug="awkward"),
        team=Team.objects.get(name="Data"),
    )

    citation = cff(client)

    citation.validate()
    assert citation.cffobj["title"] == 'Work: "quoted" \\ #1 - yes\nnull'
    assert {"family-names": "#x\x9f\ufeff", "given-names": "- no: 'Ann'"} in (
        citation.cffobj["authors"]
    )


def test_the_page_and_every_citation_agree(client, project):
    page = parse(client.get("/credits/gpt-4v/").text)
    bibtex = bibtexparser.parse_string(get(client, "citation.bib").content.decode())
    data = cff(client).cffobj
    credits = json.loads(get(client, "credits.json").content)

    line = page.by_id("authorship").find("p", "citation").text()
    assert line.startswith("When citing this work, please cite it as “OpenAI (2023)”.")
    assert data["message"] == credits["citation_message"] == line.split("”.")[0] + "”."
    assert data["preferred-citation"]["authors"] == [{"name": "OpenAI"}]
    assert data["preferred-citation"]["year"] == 2023
    entry = bibtex.entries[0]
    assert entry["author"] == "{OpenAI}"
    assert entry["year"] == "2023"
    titles = {data["title"], data["preferred-citation"]["title"], entry["title"].strip("{}")}
    assert titles == {page.find("h1").text()}


def test_bibtex_is_one_well_formed_misc_entry(client, project):
    text = get(client, "citation.bib").content.decode()

    library = bibtexparser.parse_string(text)

    assert library.failed_blocks == []
    [entry] = library.entries
    assert entry.entry_type == "misc"
    assert entry.key == "openai2023-gpt-4v"
    assert {field.key: field.value for field in entry.fields} == {
        "author": "{OpenAI}",
        "title": "{GPT-4V(ision) technical work and authors}",
        "year": "2023",
        "url": "http://testserver/credits/gpt-4v/",
        "note": "When citing this work, please cite it as “OpenAI (2023)”.",
    }


def test_bibtex_escapes_special_characters(client, project):
    project.title = "R&D at 50% {fast} $x_1$ #1 ~ ^ \\"
    project.save()

    library = bibtexparser.parse_string(get(client, "citation.bib").content.decode())

    assert library.failed_blocks == []
    assert library.entries[0]["title"] == (
        r"{R\&D at 50\% \{fast\} \$x\_1\$ \#1 \textasciitilde{} \textasciicircum{} "
        r"\textbackslash{}}"
    )


def test_bibtex_lists_the_people_when_the_citation_names_no_one(client, project, make_person):
    project.citation = ""
    project.save()
    Role.objects.create(
        person=make_person("Ann Smith and Jones", sort_name="Smith and Jones, Ann"),
        team=Team.objects.get(name="Data"),
    )

    library = bibtexparser.parse_string(
        get(client, "citation.bib").content.decode(),
        append_middleware=[SeparateCoAuthors(), SplitNameParts()],
    )

    [entry] = library.entries
    names = [(name.first, name.von, name.last, name.jr) for name in entry["author"]]
    assert names == [
        (["Raul"], [], ["Puri"], []),
        (["Diogo", "Moitinho"], ["de"], ["Almeida"], []),
        (["Łukasz"], [], ["Kondraciuk"], []),
        ([], [], ["{Madonna}"], []),
        (["Ann"], [], ["{Smith and Jones}"], []),
        (["Martin", "Luther"], [], ["King"], ["Jr."]),
    ]
    assert entry["year"] == str(project.published_at.year)
    assert entry.key == f"gpt4visiontechnicalworkandauth{project.published_at.year}-gpt-4v"


def test_citations_take_names_from_the_display_name_never_the_sort_name(
    client, project, make_person
):
    project.citation = ""
    project.save()
    data = Team.objects.get(name="Data")
    Role.objects.create(person=make_person("David Mélý", sort_name="Mely, David"), team=data)
    Role.objects.create(person=make_person("Ann First", sort_name="0 first"), team=data)

    authors = cff(client).cffobj["authors"]
    bibtex = get(client, "citation.bib").content.decode()

    assert {"family-names": "Mélý", "given-names": "David"} in authors
    assert {"family-names": "First", "given-names": "Ann"} in authors
    assert not any("Mely" in str(author) or "0 first" in str(author) for author in authors)
    assert "Mélý, David" in bibtex and "First, Ann" in bibtex
    assert "Mely" not in bibtex and "0 first" not in bibtex


def test_a_sort_name_in_the_display_names_words_says_which_is_the_family_name(
    client, project, make_person
):
    Role.objects.create(
        person=make_person("Wang Xiaoming", sort_name="Wang, Xiaoming"),
        team=Team.objects.get(name="Data"),
    )

    citation = cff(client)

    citation.validate()
    assert {"family-names": "Wang", "given-names": "Xiaoming"} in citation.cffobj["authors"]
