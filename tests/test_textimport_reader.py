"""Reading credits pages of many styles (tests/textimport_examples/, written for these tests)."""

from pathlib import Path

import pytest
from django.urls import reverse

from people.textimport.apply import credit_rows, plan_text_import, prefer_known_spellings
from people.textimport.decode import BIBTEX, CFF, HTML, MARKDOWN, PLAIN, decode, detect_format
from people.textimport.reader import read_text
from people.versions import publish

EXAMPLES = Path(__file__).parent / "textimport_examples"


def read_example(name, headings=None):
    text = decode((EXAMPLES / name).read_bytes())
    return read_text(text, detect_format(text, name), headings)


def outline(document):
    """The credits as (section, leads, [(group heading, [name (title)])])."""
    return [
        (
            section.title,
            [f"{lead.name}: {lead.title}" for lead in section.leads],
            [
                (
                    group.heading,
                    [
                        member.name + (f" ({member.title})" if member.title else "")
                        for member in group.members
                    ],
                )
                for group in section.groups
            ],
        )
        for section in document.sections
    ]


def taken_for(document):
    return [(note.line, note.text, note.taken_for) for note in document.notes]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("one_per_line.txt", PLAIN),
        ("tables.md", MARKDOWN),
        ("nested.md", MARKDOWN),
        ("tables.html", HTML),
        ("starts_at_h3.html", HTML),
        ("CITATION.cff", CFF),
        ("authors.bib", BIBTEX),
    ],
)
def test_the_format_comes_from_the_name_or_the_text(name, expected):
    text = (EXAMPLES / name).read_text(encoding="utf-8")

    assert detect_format(text, name) == expected
    assert detect_format(text) == expected


def test_one_name_per_line_under_headings_of_one_level_makes_sections():
    document = read_example("one_per_line.txt")

    assert document.title == "Aurora Speech Model — Contributors"
    assert document.intro == [
        "Aurora is our speech recognition model for twelve languages. This page lists the people "
        "who built it."
    ]
    assert outline(document) == [
        ("Core contributors", [], [("", ["Amara Okafor", "Bruno Castellanos", "Chiara Lombardi"])]),
        ("Data", [], [("", ["Dmitri Volkov", "Elena Ruiz"])]),
        ("Evaluation", [], [("", ["Fatima Zahra Benali", "Goran Petrović"])]),
    ]
    assert document.ordering_note == "Authors are listed in alphabetical order."
    assert document.lost_headings == []


def test_lead_lines_in_every_style_and_lists_with_every_separator():
    document = read_example("titles.txt")

    assert outline(document) == [
        (
            "Leadership",
            [
                "Hana Sato: Project lead",
                "Ivan Horvat: Research lead",
                "Julia Costa: Engineering lead",
                "Kwame Mensah: Program manager",
                "Lena Fischer: Overall lead, infrastructure lead",
            ],
            [],
        ),
        (
            "Engineering",
            [],
            [
                (
                    "Infrastructure",
                    ["Marco Bianchi (tech lead)", "Nadia Haddad", "Oskar Lindqvist"],
                ),
                ("Research", ["Priya Raman", "Quentin Moreau", "Rosa Álvarez"]),
                ("Safety", ["Sofia Marquez", "Tomasz Nowak", "Uma Patel"]),
                ("Product", ["Victor Dubois", "Wen Li"]),
            ],
        ),
    ]
    assert document.notes == []


def test_markdown_tables_lists_nested_headings_citation_and_thanks():
    document = read_example("tables.md")

    assert document.title == "Nimbus 2 release credits"
    assert document.citation == "Nimbus Team (2025)"
    assert document.intro == ["Nimbus 2 was built by the people below."]
    assert outline(document) == [
        ("Model", [], [("", ["Xavier Ortega (Pretraining lead)", "Yara Nasser", "Zoltan Kiss"])]),
        (
            "Deployment",
            [],
            [
                ("Serving", ["Aiko Tanaka", "Benedikt Huber", "Carmen Díaz"]),
                ("Web (front end)", ["Dario Conti", "Emeka Eze", "Freya Olsen"]),
            ],
        ),
    ]
    assert [(a.text, [m.name for m in a.names]) for a in document.acknowledgments] == [
        (
            "We thank our early testers for their patience and feedback:",
            ["Gustav Berg", "Helga Jónsdóttir", "Ines Carvalho"],
        )
    ]
    # A titled member of a group without a heading is a lead line in the spreadsheet format.
    assert [(r.section, r.team, r.person, r.role) for r in credit_rows(document)][:2] == [
        ("Model", "", "Xavier Ortega", "Pretraining lead"),
        ("Model", "", "Yara Nasser", ""),
    ]


def test_html_scripts_styles_navigation_and_footer_are_never_read_as_names():
    document = read_example("tables.html")

    names = [row.person for row in credit_rows(document)] + [
        member.name for ack in document.acknowledgments for member in ack.names
    ]
    notes = " ".join(note.text for note in document.notes)
    for intruder in [
        "Mallory",
        "Trudy",
        "Eve",
        "Oscar",
        "Peggy",
        "Victor",
        "Wendy",
        "Walter",
        "Sean",
    ]:
        assert not any(intruder in name for name in names)
        assert intruder not in notes
    assert len(names) == 10


def test_html_links_leads_in_italics_tables_footnote_marks_and_thanks():
    document = read_example("tables.html")

    assert document.title == "Orchid Vision: technical work and authors"
    assert document.intro == [
        "Orchid Vision reads charts and diagrams. Our work consists of these resources:"
    ]
    assert document.closing == ["These credits reflect the work of many teams."]
    assert [(link.title, link.url) for link in document.links] == [
        ("Orchid Vision technical report", "https://example.org/orchid-report.pdf"),
        ("Orchid Vision model card", "https://example.org/orchid-card"),
    ]
    assert outline(document) == [
        (
            "Research",
            ["Hugo Laurent: Research lead", "Isla MacLeod: Data lead"],
            [
                (
                    "Architecture",
                    ["Jonas Weber (Vision encoder)", "Kaito Yamamoto", "Laila Haddad (Tokenizer)"],
                ),
                ("Data", ["Mateo Silva", "Noor Khan", "Olga Ivanova"]),
            ],
        )
    ]
    assert document.marks_summary() == (
        "3 names carried footnote marks, left out of the names: * = Equal contribution (2), "
        "1 = Work done while at Example University (1)"
    )
    assert [(a.text, [m.name for m in a.names]) for a in document.acknowledgments] == [
        (
            "We thank the following people for their help with evaluation:",
            ["Pablo Ríos", "Quinn Murphy"],
        )
    ]


def test_a_heading_over_all_sections_is_left_out_and_deeper_ones_are_teams():
    document = read_example("nested.md")

    assert document.title == "Helios credits"
    assert outline(document) == [
        (
            "Foundations",
            [],
            [("Pretraining", ["Ana Lima", "Bilal Qureshi"]), ("Tokenization", ["Cora Jensen"])],
        ),
        (
            "Applications",
            [],
            [("Assistant", ["Dev Malhotra", "Ewa Kowalska"]), ("Search", ["Felix Wagner"])],
        ),
    ]
    assert taken_for(document) == [
        (3, "Contributors", "a heading over all the sections: not imported")
    ]


def test_headings_nested_below_teams_join_the_team_name():
    text = (
        "# Atlas\n\n## Research\n\n### Vision\n\n#### Encoders\n\nAda Lovelace, Grace Hopper\n\n"
        "## Safety\n\nAlan Turing\n"
    )

    document = read_text(text, MARKDOWN)

    assert outline(document) == [
        ("Research", [], [("Vision — Encoders", ["Ada Lovelace", "Grace Hopper"])]),
        ("Safety", [], [("", ["Alan Turing"])]),
    ]
    assert taken_for(document) == [
        (7, "Encoders", "a heading nested under a team: the team “Vision — Encoders”")
    ]


def test_a_page_whose_first_heading_is_h3():
    document = read_example("starts_at_h3.html")

    assert document.title == ""
    assert outline(document) == [
        (
            "Engineering",
            [],
            [
                ("Platform", ["Greta Nilsson", "Hamid Karimi", "Ilse de Vries"]),
                ("Tools", ["Jakub Novák", "Keiko Mori"]),
            ],
        ),
        ("Design", [], [("", ["Luca Romano", "Mei Chen"])]),
    ]


def test_footnote_marks_are_stripped_and_reported_with_their_footnotes():
    document = read_example("footnotes.txt")

    assert document.title == "Sparrow: a small language model"
    assert outline(document) == [
        (
            "Authors",
            [],
            [
                (
                    "",
                    [
                        "Nina Berg",
                        "Omar Farouk",
                        "Paula Santos",
                        "Rahul Mehta",
                        "Sara Lindgren",
                        "Theo Adams",
                    ],
                )
            ],
        )
    ]
    assert document.marks_summary() == (
        "6 names carried footnote marks, left out of the names: * = Equal contribution (2), "
        "† = Project lead (1), ‡ = Work done during an internship (1), 1 = ? (1), 2 = ? (1)"
    )


def test_acknowledgments_ending_in_names_and_without_names():
    document = read_example("acknowledgments.txt")

    assert [(a.line, a.text, [m.name for m in a.names]) for a in document.acknowledgments] == [
        (
            9,
            "We are grateful to the volunteers who tested Kestrel in their homes:",
            ["Yusuf Demir", "Zara Ahmed", "Ángel Ramos"],
        ),
        (11, "Thanks also to our families for their patience.", []),
    ]
    assert [section.title for section in document.sections] == ["Hardware", "Software"]


def test_a_citation_cff_gives_its_authors_as_one_group():
    document = read_example("CITATION.cff")

    assert document.title == "Tern: a toolkit"
    assert outline(document) == [
        (
            "Authors",
            [],
            [
                (
                    "",
                    [
                        "Diogo Moitinho de Almeida",
                        "David Mélý",
                        "Łukasz Kondraciuk",
                        "The Tern Project",
                    ],
                )
            ],
        )
    ]


def test_a_bibtex_author_field_with_braces_and_latex_accents():
    document = read_example("authors.bib")

    assert document.title == "Tern: a BibTeX example"
    assert [m.name for m in document.sections[0].groups[0].members] == [
        "David Mélý",
        "Łukasz Kondraciuk",
        "Paul Röttger",
        "Anna van der Berg",
        "Diogo Moitinho de Almeida",
        "John Smith Jr.",
        "The Tern Consortium",
    ]
    assert taken_for(document) == [
        (1, "The Tern Consortium", "one author in braces: an organisation or a single name")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("export", ["people:project-cff", "people:project-bibtex"])
def test_our_own_citation_files_import_back_with_the_same_people(
    client, make_project, make_section, make_team, make_credit, export
):
    source = make_project("Tern", "tern")
    team = make_team(make_section(source, "Research"), "Core")
    for name in [
        "Diogo Moitinho de Almeida",
        "Łukasz Kondraciuk",
        "David Mélý",
        "Henrique Ponde de Oliveira Pinto",
        "John Smith Jr.",
    ]:
        make_credit(name, team=team)
    make_credit("Wang Xiaoming", team=team).person.__class__.objects.filter(
        name="Wang Xiaoming"
    ).update(sort_name="Wang, Xiaoming")
    publish(source)
    target = make_project("Tern again", "tern-again")
    text = client.get(reverse(export, args=[source.slug])).content.decode()

    document = read_text(text, CFF if export.endswith("cff") else BIBTEX)
    prefer_known_spellings(document)
    planned = plan_text_import(target, document)

    assert planned.plan.changes.new_people == {}
    assert len(planned.plan.changes.new_credits) == 6


def test_lead_lines_after_an_italic_title_in_markdown():
    text = (
        "## Research\n\nJamie Kiros *Overall lead*  \nDaniel Levy *Optimization lead*\n\n"
        "### Architecture\n\nMark Chen, Casey Chu\n"
    )

    document = read_text(text, MARKDOWN)

    assert outline(document) == [
        (
            "Research",
            ["Jamie Kiros: Overall lead", "Daniel Levy: Optimization lead"],
            [("Architecture", ["Mark Chen", "Casey Chu"])],
        )
    ]


def test_a_lead_line_without_a_separator_is_split_and_listed_as_a_guess():
    document = read_text(
        "Research\n\nAda Lovelace Analytical engine lead\n\nCompilers\nGrace Hopper, Jean Sammet\n",
        PLAIN,
    )

    assert document.sections[0].leads[0].name == "Ada Lovelace"
    assert document.sections[0].leads[0].title == "Analytical engine lead"
    assert taken_for(document) == [
        (
            3,
            "Ada Lovelace Analytical engine lead",
            "a lead line: Ada Lovelace, “Analytical engine lead” (no separator; check the split)",
        )
    ]


def test_an_affiliation_in_brackets_is_left_out_of_the_name_and_said_so():
    document = read_text("Research\nZhengyuan Yang (Microsoft), Linjie Li\n", PLAIN)

    assert outline(document) == [("Research", [], [("", ["Zhengyuan Yang", "Linjie Li"])])]
    assert taken_for(document) == [
        (
            2,
            "Zhengyuan Yang (Microsoft)",
            "“(Microsoft)” left out of the name (an affiliation or address?)",
        )
    ]


def test_names_family_name_first_separated_by_semicolons_are_turned_around():
    document = read_text("Authors\nLovelace, Ada; Hopper, Grace; Sammet, Jean\n", PLAIN)

    assert outline(document) == [
        ("Authors", [], [("", ["Ada Lovelace", "Grace Hopper", "Jean Sammet"])])
    ]


def test_typed_headings_replace_the_placeholders():
    text = (
        "Research\n\nTeam A\nAda Lovelace, Grace Hopper\n\nAlan Turing, Jean Sammet\n\n"
        "Safety\n\nTeam C\nMary Jackson\n"
    )

    document = read_text(text, PLAIN, {6: "Team B"})

    assert outline(document) == [
        (
            "Research",
            [],
            [
                ("Team A", ["Ada Lovelace", "Grace Hopper"]),
                ("Team B", ["Alan Turing", "Jean Sammet"]),
            ],
        ),
        ("Safety", [], [("Team C", ["Mary Jackson"])]),
    ]
    assert (
        str(document.lost_headings[0][1].lost)
        == "a group without a heading after ‘Team A’ (line 3) — heading lost?"
    )


def test_a_name_list_in_chinese_with_its_own_comma():
    document = read_text("Research\n王小明、李华、张伟\n", PLAIN)

    assert [m.name for m in document.sections[0].groups[0].members] == ["王小明", "李华", "张伟"]
