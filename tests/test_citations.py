"""The files a project page links: credits.json, credits.csv, CITATION.cff and citation.bib.

How they are served (types, names, drafts, the cache) and what the citation
files say (people/citations.py): valid for their readers, in agreement with the
page, hostile names kept as text.
"""

import json
import re
from datetime import UTC, datetime

import bibtexparser
import pytest
from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts
from cffconvert import Citation
from django.test import Client

from people.models import Acknowledgment, Mention, Person, Team, Version
from people.versions import publish
from tests.html_tree import parse

pytestmark = pytest.mark.django_db

FILES = ["credits.json", "credits.csv", "CITATION.cff", "citation.bib"]


@pytest.fixture
def cited_project(make_project, make_person, make_section, make_team, make_credit):
    """A published project cited as "OpenAI (2023)", its people entered out of order."""
    project = make_project(
        title="GPT-4V(ision) technical work and authors",
        slug="gpt-4v",
        intro="Our work consists of:",
        citation="OpenAI (2023)",
        assembled_by=make_person("Raul Puri"),
    )
    research = make_section(project, "Research contributions", position=1)
    safety = make_section(project, "Safety contributions", position=2)
    make_credit("Raul Puri", section=research, title="Engineering lead")
    data = make_team(research, "Data", position=1)
    for name in ["Łukasz Kondraciuk", "Diogo Moitinho de Almeida", "Madonna"]:
        make_credit(name, team=data)
    unheaded = make_team(safety, "", position=1)
    make_credit("Martin Luther King Jr.", team=unheaded, title="Chair")
    make_credit("Madonna", team=unheaded)
    thanks = Acknowledgment.objects.create(project=project, text="We thank our red teamers:")
    Mention.objects.create(acknowledgment=thanks, person=make_person("Paul Röttger"))
    publish(project)
    return project


def republish(project):
    """Publish the edits a test made, and return the new version."""
    project.save()
    return publish(project).version


def get(client, name):
    response = client.get(f"/credits/gpt-4v/{name}")
    assert response.status_code == 200
    return response


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
def test_content_types_and_file_names(client, cited_project, name, content_type, disposition):
    response = get(client, name)

    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == disposition


@pytest.mark.parametrize("name", FILES)
def test_an_unpublished_project_has_no_files_for_the_public(editor_client, cited_project, name):
    cited_project.is_published = False
    cited_project.save()
    public = Client()

    assert public.get(f"/credits/gpt-4v/{name}").status_code == 410
    assert editor_client.get(f"/credits/gpt-4v/{name}").status_code == 200


@pytest.mark.parametrize("name", FILES)
def test_a_cached_file_is_served_with_one_query(
    client, cited_project, name, django_assert_num_queries
):
    first = get(client, name)

    # Only the project and its latest version's id are read (people.caching).
    with django_assert_num_queries(1):
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
def test_files_follow_a_publication_not_an_edit(client, cited_project, name, expected):
    get(client, name)
    person = Person.objects.get(name="Madonna")
    person.name = "Madonna Ciccone"
    person.save()
    cited_project.citation = "OpenAI (2024)"
    cited_project.save()

    edited = get(client, name).content.decode()
    republish(cited_project)
    published = get(client, name).content.decode()

    assert expected not in edited
    assert expected in published


def test_json_holds_the_whole_page_in_order(client, cited_project):
    response = get(client, "credits.json")

    data = json.loads(response.content)
    assert list(data) == [
        "title",
        "url",
        "version",
        "version_published_at",
        "version_url",
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
    assert (data["version"], data["version_url"]) == (1, "http://testserver/credits/gpt-4v/v/1/")
    assert data["version_published_at"] == Version.objects.get().published_at.isoformat()
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


def test_csv_is_the_import_format_in_page_order(client, cited_project):
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


def test_citation_cff_is_valid_cff_1_2_0(client, cited_project):
    citation = cff(client)

    citation.validate()
    assert citation.cffobj["cff-version"] == "1.2.0"


def test_citation_cff_names_the_credited_people_in_page_order(client, cited_project):
    person = Person.objects.get(name="Łukasz Kondraciuk")
    person.orcid = "0000-0002-1825-0097"
    person.homepage = "https://lukasz.example.org/"
    person.save()
    version = republish(cited_project)

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
    assert data["version"] == "2"
    assert data["date-released"] == version.published_at.date().isoformat()
    assert data["type"] == "software"


def test_citation_cff_stays_valid_with_awkward_text(
    client, cited_project, make_person, make_credit
):
    cited_project.title = 'Work: "quoted" \\ #1 - yes\nnull'
    cited_project.save()
    awkward = make_person("- no: 'Ann' #x\x9f\ufeff", slug="awkward")
    make_credit(awkward, team=Team.objects.get(name="Data"))
    republish(cited_project)

    citation = cff(client)

    citation.validate()
    assert citation.cffobj["title"] == 'Work: "quoted" \\ #1 - yes\nnull'
    assert {"family-names": "#x\x9f\ufeff", "given-names": "- no: 'Ann'"} in (
        citation.cffobj["authors"]
    )


def test_the_page_and_every_citation_agree(client, cited_project):
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


def test_bibtex_is_one_well_formed_misc_entry(client, cited_project):
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
        "version": "1",
        "date": Version.objects.get().published_at.date().isoformat(),
        "url": "http://testserver/credits/gpt-4v/v/1/",
        "note": "When citing this work, please cite it as “OpenAI (2023)”.",
    }


def test_bibtex_escapes_special_characters(client, cited_project):
    cited_project.title = "R&D at 50% {fast} $x_1$ #1 ~ ^ \\"
    republish(cited_project)

    library = bibtexparser.parse_string(get(client, "citation.bib").content.decode())

    assert library.failed_blocks == []
    assert library.entries[0]["title"] == (
        r"{R\&D at 50\% \{fast\} \$x\_1\$ \#1 \textasciitilde{} \textasciicircum{} "
        r"\textbackslash{}}"
    )


def test_bibtex_lists_the_people_when_the_citation_names_no_one(
    client, cited_project, make_person, make_credit
):
    cited_project.citation = ""
    cited_project.save()
    smith = make_person("Ann Smith and Jones", sort_name="Smith and Jones, Ann")
    make_credit(smith, team=Team.objects.get(name="Data"))
    republish(cited_project)

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
    assert entry["year"] == str(cited_project.published_at.year)
    assert entry.key == f"gpt4visiontechnicalworkandauth{cited_project.published_at.year}-gpt-4v"


def test_citations_take_names_from_the_display_name_never_the_sort_name(
    client, cited_project, make_person, make_credit
):
    cited_project.citation = ""
    cited_project.save()
    data = Team.objects.get(name="Data")
    make_credit(make_person("David Mélý", sort_name="Mely, David"), team=data)
    make_credit(make_person("Ann First", sort_name="0 first"), team=data)
    republish(cited_project)

    authors = cff(client).cffobj["authors"]
    bibtex = get(client, "citation.bib").content.decode()

    assert {"family-names": "Mélý", "given-names": "David"} in authors
    assert {"family-names": "First", "given-names": "Ann"} in authors
    assert not any("Mely" in str(author) or "0 first" in str(author) for author in authors)
    assert "Mélý, David" in bibtex and "First, Ann" in bibtex
    assert "Mely" not in bibtex and "0 first" not in bibtex


def test_a_sort_name_in_the_display_names_words_says_which_is_the_family_name(
    client, cited_project, make_person, make_credit
):
    wang = make_person("Wang Xiaoming", sort_name="Wang, Xiaoming")
    make_credit(wang, team=Team.objects.get(name="Data"))
    republish(cited_project)

    citation = cff(client)

    citation.validate()
    assert {"family-names": "Wang", "given-names": "Xiaoming"} in citation.cffobj["authors"]


def test_a_family_name_says_which_words_citations_give_as_the_family_name(
    client, cited_project, make_person, make_credit
):
    cited_project.citation = ""
    cited_project.save()
    data = Team.objects.get(name="Data")
    for name, family_name in [
        ("Gabriel García Márquez", "García Márquez"),
        ("Zhang Wei", "Zhang"),
        ("Ludwig van Beethoven", "van Beethoven"),
    ]:
        make_credit(make_person(name, family_name=family_name), team=data)
    publish(cited_project)

    citation = cff(client)
    bibtex = bibtexparser.parse_string(
        get(client, "citation.bib").content.decode(),
        append_middleware=[SeparateCoAuthors(), SplitNameParts()],
    )

    citation.validate()
    authors = citation.cffobj["authors"]
    assert {"family-names": "García Márquez", "given-names": "Gabriel"} in authors
    assert {"family-names": "Zhang", "given-names": "Wei"} in authors
    assert {"family-names": "Beethoven", "given-names": "Ludwig", "name-particle": "van"} in (
        authors
    )
    names = [(name.first, name.von, name.last) for name in bibtex.entries[0]["author"]]
    assert (["Gabriel"], [], ["García", "Márquez"]) in names
    assert (["Wei"], [], ["Zhang"]) in names
    assert (["Ludwig"], ["van"], ["Beethoven"]) in names


# YAML 1.1 (PyYAML) and 1.2 (cffconvert, GitHub) read these differently unquoted,
# or read them as something other than text.
YAML_LOOKALIKES = [
    "null", "yes", "No", "~", "*a", "&a", "!x", "%x", "@x", "#x", "|", ">", "'quoted'",
    '"q"', "0o17", "1e3", "0x1F", "1_000", ".inf", "2023-09-25", "12:30",
]  # fmt: skip


def test_citation_cff_keeps_names_that_look_like_yaml_as_text(
    client, cited_project, make_person, make_credit
):
    data = Team.objects.get(name="Data")
    for number, name in enumerate(YAML_LOOKALIKES):
        make_credit(make_person(name, slug=f"yaml-{number}"), team=data)
    make_credit(make_person("- x", slug="dash"), team=data)
    make_credit(make_person(": y", slug="colon"), team=data)
    republish(cited_project)

    citation = cff(client)

    citation.validate()
    authors = citation.cffobj["authors"]
    single_names = [author["name"] for author in authors if list(author) == ["name"]]
    assert sorted(single_names) == sorted([*YAML_LOOKALIKES, "Madonna"])
    assert {"family-names": "x", "given-names": "-"} in authors
    assert {"family-names": "y", "given-names": ":"} in authors


def test_citation_cff_is_written_as_yaml_with_text_in_double_quotes(client, cited_project):
    person = Person.objects.get(name="Łukasz Kondraciuk")
    person.orcid = "0000-0002-1825-0097"
    person.save()
    version = republish(cited_project)
    Version.objects.filter(pk=version.pk).update(published_at=datetime(2023, 9, 25, 12, tzinfo=UTC))

    text = get(client, "CITATION.cff").content.decode()

    assert text == (
        "cff-version: 1.2.0\n"
        'message: "When citing this work, please cite it as “OpenAI (2023)”."\n'
        'title: "GPT-4V(ision) technical work and authors"\n'
        "type: software\n"
        "authors:\n"
        '- family-names: "Puri"\n'
        '  given-names: "Raul"\n'
        '- family-names: "Almeida"\n'
        '  given-names: "Diogo Moitinho"\n'
        '  name-particle: "de"\n'
        '- family-names: "Kondraciuk"\n'
        '  given-names: "Łukasz"\n'
        '  orcid: "https://orcid.org/0000-0002-1825-0097"\n'
        '- name: "Madonna"\n'
        '- family-names: "King"\n'
        '  given-names: "Martin Luther"\n'
        '  name-suffix: "Jr."\n'
        'version: "2"\n'
        'date-released: "2023-09-25"\n'
        'url: "http://testserver/credits/gpt-4v/"\n'
        "identifiers:\n"
        "- type: url\n"
        '  value: "http://testserver/credits/gpt-4v/v/2/"\n'
        '  description: "Version 2 of these credits"\n'
        "preferred-citation:\n"
        "  type: generic\n"
        '  title: "GPT-4V(ision) technical work and authors"\n'
        "  authors:\n"
        '  - name: "OpenAI"\n'
        "  year: 2023\n"
        '  url: "http://testserver/credits/gpt-4v/"\n'
    )


def test_citation_cff_escapes_what_yaml_may_not_carry_raw(
    client, cited_project, make_person, make_credit
):
    # Names are stored with white space collapsed; a title is kept as written.
    cited_project.title = "Line\u2028Break\x85Next\u2029"
    cited_project.save()
    name = "Ann\x07\x9f\ufeff \u202eevil\u202c"
    make_credit(make_person(name, slug="controls"), team=Team.objects.get(name="Data"))
    republish(cited_project)

    text = get(client, "CITATION.cff").content.decode()
    citation = Citation(text)

    citation.validate()
    assert not re.search("[\u2028\u2029\x85\x07\x9f\ufeff]", text)
    assert citation.cffobj["title"] == "Line\u2028Break\x85Next\u2029"
    parts = {"family-names": "\u202eevil\u202c", "given-names": "Ann\x07\x9f\ufeff"}
    assert parts in citation.cffobj["authors"]


def bibtex_fields_as_bibtex_reads_them(text):
    """Return the (name, value) fields of the one entry in `text`, read as BibTeX itself reads them.

    BibTeX counts every brace, escaped by a backslash or not: a field ends where
    its braces balance.
    """
    head = re.match(r"@misc\{[A-Za-z0-9-]+,", text)
    assert head, text
    fields, position = [], head.end()
    while True:
        field = re.compile(r"\s*([a-z]+) = \{").match(text, position)
        if field is None:
            break
        depth, index = 1, field.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        fields.append((field[1], text[field.end() : index - 1]))
        position = index + 1 if text[index] == "," else index
    assert text[position:] == "\n}\n", text[position:]
    return fields


HOSTILE_BIBTEX = [
    "}, title = {evil",
    "Mallory}, title = {evil",
    "Eve}}}, note = {x",
    "{{{unclosed",
    "back\\slash}",
    "@misc{evil,",
    'Quote" and {pair}',
]


@pytest.mark.parametrize("text", HOSTILE_BIBTEX)
def test_bibtex_braces_balance_as_bibtex_counts_them(client, cited_project, text):
    cited_project.citation = f"{text} (2023)"
    cited_project.title = f"Title {text}"
    republish(cited_project)

    bib = get(client, "citation.bib").content.decode()
    library = bibtexparser.parse_string(bib)

    fields = bibtex_fields_as_bibtex_reads_them(bib)
    assert [name for name, _value in fields] == [
        "author",
        "title",
        "year",
        "version",
        "date",
        "url",
        "note",
    ]
    assert library.failed_blocks == []
    [entry] = library.entries
    assert [
        (field.key, "{" + field.value + "}") for field in entry.fields if field.key != "year"
    ] == [(name, "{" + value + "}") for name, value in fields if name != "year"]


def test_bibtex_keeps_hostile_author_names_inside_the_author_field(
    client, cited_project, make_person, make_credit
):
    cited_project.citation = ""
    cited_project.save()
    data = Team.objects.get(name="Data")
    for number, name in enumerate(["}, title = {evil", "Eve @misc{x, and {y", "A\\} B"]):
        make_credit(make_person(name, slug=f"hostile-{number}"), team=data)
    republish(cited_project)

    bib = get(client, "citation.bib").content.decode()
    library = bibtexparser.parse_string(bib, append_middleware=[SeparateCoAuthors()])

    assert [name for name, _value in bibtex_fields_as_bibtex_reads_them(bib)] == [
        "author",
        "title",
        "year",
        "version",
        "date",
        "url",
    ]
    [entry] = library.entries
    assert entry["title"] == "{GPT-4V(ision) technical work and authors}"
    assert entry["author"] == [
        "Puri, Raul",
        "de Almeida, Diogo Moitinho",
        r"B, A\textbackslash{}\textbraceright{}",
        "Kondraciuk, Łukasz",
        "{Madonna}",
        r"{\textbraceleft{}evil}, {\textbraceright{}, title =}",
        r"{\textbraceleft{}y}, {Eve @misc\textbraceleft{}x, and}",
        "King, Jr., Martin Luther",
    ]


def test_bibtex_puts_a_multi_line_title_on_one_line(client, cited_project):
    cited_project.title = "Line one\n@misc{evil, title = {x}}\n"
    republish(cited_project)

    library = bibtexparser.parse_string(get(client, "citation.bib").content.decode())

    assert library.failed_blocks == []
    [entry] = library.entries
    assert entry["title"] == r"{Line one @misc\{evil, title = \{x\}\}}"


def test_bibtex_is_written_by_bibtexparser_in_braces(client, cited_project):
    cited_project.published_at = datetime(2023, 9, 25, 12, tzinfo=UTC)
    cited_project.citation = ""
    version = republish(cited_project)
    Version.objects.filter(pk=version.pk).update(published_at=datetime(2023, 10, 2, 12, tzinfo=UTC))

    text = get(client, "citation.bib").content.decode()

    assert text == (
        "@misc{gpt4visiontechnicalworkandauth2023-gpt-4v,\n"
        "  author = {Puri, Raul and de Almeida, Diogo Moitinho and Kondraciuk, Łukasz"
        " and {Madonna} and King, Jr., Martin Luther},\n"
        "  title = {{GPT-4V(ision) technical work and authors}},\n"
        "  year = {2023},\n"
        "  version = {2},\n"
        "  date = {2023-10-02},\n"
        "  url = {http://testserver/credits/gpt-4v/v/2/}\n"
        "}\n"
    )
