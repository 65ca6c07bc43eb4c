"""What the text import does with input that is not a credits page, or is one at the limits."""

import codecs

import pytest

from people.spreadsheet.format import CreditsError
from people.textimport.apply import credit_rows, import_text, plan_text_import
from people.textimport.decode import HTML, MARKDOWN, PLAIN, TextImportError, decode
from people.textimport.reader import read_text
from tests.spreadsheets import database_rows

NAMES = [
    f"{given} {family}"
    for given in ("Ada", "Grace", "Alan", "Jean", "Mary")
    for family in ("Lovelace", "Hopper", "Turing", "Sammet", "Jackson")
]


def many_names(count):
    """`count` different names that read as names ("Ada Lovelace Abc")."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [
        f"{NAMES[i % 25]} {letters[i // 676 % 26].upper()}{letters[i // 26 % 26]}{letters[i % 26]}"
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 binary", "This file is a PDF document, not text."),
        (
            b"PK\x03\x04 zip",
            "This file is a ZIP archive (a Word, OpenDocument or Excel file is one), not text.",
        ),
        (b"\x89PNG\r\n\x1a\n", "This file is a PNG image, not text."),
        (b"Ada Lovelace\x00\x01\x02", "This file is binary (it has NUL bytes), not text."),
        (bytes(range(1, 32)) * 20, "This file is binary (it has"),
        (codecs.BOM_UTF16_LE + "Ada".encode("utf-16-le"), "This file is UTF-16, not UTF-8."),
        (b"", "The text is empty: paste the page's text or choose a file."),
        (b" \n\t\n", "The text is empty: paste the page's text or choose a file."),
    ],
)
def test_what_is_not_text_is_refused_with_what_it_is(data, message):
    with pytest.raises(TextImportError) as error:
        decode(data)

    assert error.value.messages[0].startswith(message)


def test_a_file_in_another_encoding_is_named():
    data = (
        "Recherche\nJosé Pérez, Zoë Müller, Françoise Dupré, Hélène Côté, Agnès Varda\n" * 20
    ).encode("cp1252")

    with pytest.raises(TextImportError) as error:
        decode(data)

    assert error.value.messages == [
        "This file is not UTF-8: byte 14 (0xe9) is not valid UTF-8; it looks like Windows-1252. "
        "Save the page as text, Markdown or HTML (UTF-8) and try again."
    ]


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 1000

    with pytest.raises(TextImportError) as error:
        decode(b"a" * 1001)

    assert error.value.messages == [
        "The text is 1,001 bytes; the largest you can import is 1000\xa0bytes."
    ]


def test_a_utf8_byte_order_mark_and_windows_line_ends_are_fine():
    assert decode(codecs.BOM_UTF8 + b"Research\r\nAda Lovelace\r\n") == "Research\nAda Lovelace\n"


@pytest.mark.django_db
def test_text_without_names_cannot_be_imported(make_project):
    project = make_project()
    document = read_text("We built this together over two years. It was hard work.\n", PLAIN)

    with pytest.raises(CreditsError) as error:
        plan_text_import(project, document)

    assert str(error.value) == "No names were found in the text: there is nothing to import."


@pytest.mark.django_db
def test_an_html_page_of_10_mb_is_read(make_project):
    names = many_names(9000)
    body = "".join(
        f"<h2>Team {i}</h2><p>{', '.join(names[i * 150 : (i + 1) * 150])}</p>" for i in range(60)
    )
    scripts = "<script>" + "var author = 'Mallory Evil';\n" * 200_000 + "</script>"
    page = f"<html><head>{scripts}</head><body><main><h1>Big</h1>{body}</main></body></html>"
    data = (page + " " * (10 * 1024 * 1024 - len(page))).encode()

    document = read_text(decode(data), HTML)

    assert len(data) == 10 * 1024 * 1024
    assert document.credit_count == 9000
    assert len(document.sections) == 60
    assert "Mallory Evil" not in {
        m.name for s in document.sections for g in s.groups for m in g.members
    }


def test_html_nested_10000_levels_deep_is_read():
    page = (
        "<div>" * 10_000 + "<h2>Research</h2><p>Ada Lovelace, Grace Hopper</p>" + "</div>" * 10_000
    )

    document = read_text(page, HTML)

    assert [(s.title, [m.name for m in s.groups[0].members]) for s in document.sections] == [
        ("Research", ["Ada Lovelace", "Grace Hopper"])
    ]


def test_markdown_nested_10000_levels_deep_is_said_to_be_left_unread():
    text = "## Research\n\nAda Lovelace, Grace Hopper\n\n" + ">" * 10_000 + " Alan Turing\n"

    document = read_text(text, MARKDOWN)

    assert document.credit_count == 2
    assert [(n.line, n.taken_for) for n in document.notes] == [
        (5, "quotes or lists nested over 20 levels deep: not read")
    ]


def test_one_paragraph_of_100000_names_is_read():
    names = many_names(100_000)

    document = read_text("Contributors\n" + ", ".join(names) + "\n", PLAIN)

    assert [row.person for row in credit_rows(document)] == names
    # "Api", "Lab" and "Ops" are words of teams: names with them are kept, and listed.
    assert {note.taken_for for note in document.notes} == {
        "does not read as a name, but stands in a list of names: kept"
    }
    assert len(document.notes) == 18


@pytest.mark.django_db
def test_names_of_500_characters_are_refused_by_line(make_project):
    project = make_project()
    long_name = "Ada " + "L" * 496
    before = database_rows()
    document = read_text(f"Research\n{long_name}, Grace Hopper\n", PLAIN)

    with pytest.raises(CreditsError) as error:
        import_text(project, document)

    assert str(error.value) == (
        f"Line 2: “{long_name[:59]}…”: a name of 500 characters; at most 200 are allowed"
    )
    assert database_rows() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            "Mark \u202eneh",
            "This name contains an invisible text-direction character (U+202E RIGHT-TO-LEFT "
            "OVERRIDE) at position 6, which can make it display as something else: remove it.",
        ),
        (
            "Mark\x07 Chen",
            "This name contains a control character (U+0007) at position 5: remove it.",
        ),
    ],
)
def test_names_with_hidden_characters_are_refused(make_project, name, problem):
    document = read_text(f"Research\nAda Lovelace, {name}\n", PLAIN)

    with pytest.raises(CreditsError) as error:
        plan_text_import(make_project(), document)

    assert str(error.value) == f"Line 2: “{name}”: {problem}"


@pytest.mark.django_db
def test_a_title_with_a_hidden_character_is_refused(make_project):
    document = read_text(
        "Research\n\nAda Lovelace, Lead \u202edesigner\n\nTeam\nGrace Hopper, Jean Sammet\n", PLAIN
    )

    with pytest.raises(CreditsError) as error:
        plan_text_import(make_project(), document)

    assert str(error.value).startswith("Line 3: “")
    assert "contains an invisible text-direction character (U+202E" in str(error.value)
