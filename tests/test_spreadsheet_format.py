import pytest

from people.models import Credit, Person, Section
from people.spreadsheet.export import export_credits_csv
from people.spreadsheet.format import CreditRow, CreditsError, read_credits
from tests.spreadsheets import HEADER, csv_file, database_rows, page, run_import

pytestmark = pytest.mark.django_db


def test_a_file_is_read_into_typed_rows_numbered_as_a_spreadsheet_shows_them():
    data = csv_file(
        "Research,,Ann Beta,Lead",
        "",
        '  Research , Data ,"Cy   Dee",,"Dee, Cy"',
        header=HEADER + ",sort_name",
    )

    rows = read_credits(data)

    assert rows == [
        CreditRow(2, "Research", "", "Ann Beta", "Lead"),
        CreditRow(4, "Research", "Data", "Cy Dee", "", "Dee, Cy"),
    ]
    assert [row.is_lead for row in rows] == [True, False]


# Bad input: a clear error, and nothing changed

BAD_FILES = {
    "missing column": (
        b"section,team,person\nResearch,,Ann Beta\n",
        'Row 1: missing column "role". The first row must name the columns: '
        "section, team, person, role (and optionally sort_name, email).",
    ),
    "missing columns": (
        b"person\nAnn Beta\n",
        'Row 1: missing columns "section", "team", "role". The first row must name the '
        "columns: section, team, person, role (and optionally sort_name, email).",
    ),
    "unknown column": (
        b"Section,TEAM,person,role,affiliation\nResearch,,Ann Beta,Lead,OpenAI\n",
        'Row 1: unknown column "affiliation". The columns are section, team, person, role '
        "(and optionally sort_name, email).",
    ),
    "column twice": (
        b"section,team,person,role,person\nResearch,,Ann Beta,Lead,Ann\n",
        'Row 1: the column "person" appears twice.',
    ),
    "empty section": (
        csv_file("Research,Data,Ann Beta,", ",Data,Cy Dee,"),
        "Row 3, column section: the section is empty.",
    ),
    "empty person": (
        csv_file("Research,Data,   ,"),
        "Row 2, column person: the person is empty.",
    ),
    "value too long": (
        csv_file("Research,Data,Ann Beta,", "Research,Data,Cy Dee," + "x" * 201),
        "Row 3, column role: 201 characters; at most 200 are allowed.",
    ),
    "Latin-1": (
        csv_file("Research,Data,Ann Beta,") + "Research,Data,René Roux,\n".encode("latin-1"),
        "The file must be UTF-8 encoded; this one looks like Windows-1252 (also called ANSI or "
        'Latin-1): row 3, column person reads "René Roux" in it. In your spreadsheet, save the '
        'file as "CSV UTF-8 (comma-delimited)".',
    ),
    "Windows-1252": (
        "section,team,person,role\nRecherche,Données,Zoë Brontë,“Lead” – €\n".encode("cp1252"),
        "The file must be UTF-8 encoded; this one looks like Windows-1252 (also called ANSI or "
        'Latin-1): row 2, column team reads "Données" in it. In your spreadsheet, save the file '
        'as "CSV UTF-8 (comma-delimited)".',
    ),
    "an encoding not recognised": (
        csv_file("Research,Data,Ann Beta,") + "Research,Data,张伟,\n".encode("gbk"),
        "The file must be UTF-8 encoded: row 3, column person has characters that are not "
        'UTF-8. In your spreadsheet, save the file as "CSV UTF-8 (comma-delimited)".',
    ),
    "UTF-16": (
        csv_file("Research,Data,Ann Beta,").decode().encode("utf-16"),
        "The file must be UTF-8 encoded; this one is UTF-16. In your spreadsheet, save the "
        'file as "CSV UTF-8 (comma-delimited)".',
    ),
    "UTF-32": (
        csv_file("Research,Data,Ann Beta,").decode().encode("utf-32"),
        "The file must be UTF-8 encoded; this one is UTF-32. In your spreadsheet, save the "
        'file as "CSV UTF-8 (comma-delimited)".',
    ),
    "UTF-16 without a byte-order mark": (
        csv_file("Research,Data,Ann Beta,").decode().encode("utf-16-le"),
        "The file must be UTF-8 encoded; this one looks like UTF-16 without a byte-order mark "
        "(every other byte is a NUL byte). In your spreadsheet, save the file as "
        '"CSV UTF-8 (comma-delimited)".',
    ),
    "UTF-16 big-endian without a byte-order mark": (
        csv_file("Research,Data,Zoë Brontë,").decode().encode("utf-16-be"),
        "The file must be UTF-8 encoded; this one looks like UTF-16 without a byte-order mark "
        "(every other byte is a NUL byte). In your spreadsheet, save the file as "
        '"CSV UTF-8 (comma-delimited)".',
    ),
    "two byte-order marks": (
        "\ufeff\ufeff".encode() + csv_file("Research,Data,Ann Beta,"),
        "The file starts with two byte-order marks (a program added one to a file that had one "
        "already), so its first column has an invisible character before its name. In your "
        "spreadsheet, type the first column's name again, then save the file as \"CSV UTF-8 "
        '(comma-delimited)".',
    ),
    "semicolons": (
        b"section;team;person;role\nResearch;;Ann Beta;Lead\n",
        "Row 1: the file looks semicolon-separated; columns must be separated by commas. In "
        'your spreadsheet, save the file as "CSV UTF-8 (comma-delimited)".',
    ),
    "tabs": (
        b"section\tteam\tperson\trole\nResearch\t\tAnn Beta\tLead\n",
        "Row 1: the file looks tab-separated; columns must be separated by commas. In your "
        'spreadsheet, save the file as "CSV UTF-8 (comma-delimited)".',
    ),
    "empty file": (b"", "The file is empty."),
    "blank lines only": (b"\r\n\r\n", "The file is empty."),
    "header only": (
        b"\xef\xbb\xbfsection,team,person,role\r\n",
        "The file has a header but no rows of credits.",
    ),
    "NUL byte": (
        csv_file("Research,Data,Ann\x00Beta,"),
        "Row 2, column person: the cell contains a NUL byte; the file must be a plain UTF-8 "
        "CSV file.",
    ),
    "broken quotes": (
        csv_file('Research,"Data"x,Ann Beta,'),
        "Row 2: this is not valid CSV (',' expected after '\"'); check the quotes in this row.",
    ),
    "value without a column": (
        csv_file("Research,Data,Ann Beta,,Lead"),
        "Row 2, column E: a value in a column without a name in the header; quote values that "
        "contain commas.",
    ),
    "control character in a name": (
        csv_file("Research,Data,Ann\x1bBeta,"),
        "Row 2, column person: This name contains a control character (U+001B) at position 4: "
        "remove it.",
    ),
    "control character in a title": (
        csv_file("Research,Data,Ann Beta,Lead\x07"),
        "Row 2, column role: This title contains a control character (U+0007) at position 5: "
        "remove it.",
    ),
    "right-to-left override in a name": (
        csv_file("Research,Data,Mark \u202enehC,"),
        "Row 2, column person: This name contains an invisible text-direction character "
        "(U+202E RIGHT-TO-LEFT OVERRIDE) at position 6, which can make it display as something "
        "else: remove it.",
    ),
    "right-to-left override in a section": (
        csv_file("Research\u202e,Data,Ann Beta,"),
        "Row 2, column section: This title contains an invisible text-direction character "
        "(U+202E RIGHT-TO-LEFT OVERRIDE) at position 9, which can make it display as something "
        "else: remove it.",
    ),
    "name of zero-width spaces only": (
        csv_file("Research,Data,\u200b\u200b,"),
        "Row 2, column person: A name needs at least one letter: this one has only spaces, "
        "punctuation or invisible characters.",
    ),
}


@pytest.mark.parametrize("data, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_refused_with_a_message_naming_the_place(make_project, data, message):
    project = make_project()
    run_import(project, csv_file("Research,Data,Someone Already,"))
    before = database_rows()

    with pytest.raises(CreditsError) as error:
        run_import(project, data)

    assert str(error.value) == message
    assert database_rows() == before


def test_every_bad_row_is_listed(make_project):
    project = make_project()
    data = csv_file("Research,Data,Ann Beta,", ",Data,,", "Research,,Cy Dee,", "x" * 201 + ",,Ed,")

    with pytest.raises(CreditsError) as error:
        run_import(project, data)

    assert str(error.value).splitlines() == [
        "Row 3, column section: the section is empty.",
        "Row 3, column person: the person is empty.",
        "Row 5, column section: 201 characters; at most 200 are allowed.",
    ]
    assert Credit.objects.count() == 0


def test_rows_are_counted_as_a_spreadsheet_shows_them(make_project):
    project = make_project()
    data = b'section,team,person,role\r\n\r\nResearch,Data,"Ann\r\nBeta",\r\n,Data,Cy Dee,\r\n'

    with pytest.raises(CreditsError) as error:
        run_import(project, data)

    assert str(error.value) == "Row 4, column section: the section is empty."


def test_bom_crlf_and_quoted_commas_are_read(make_project):
    project = make_project()
    data = '\ufeffSection,Team,Person,Role\r\nRésearch,"Data, eval",Łukasz,"Lead, and more"\r\n'

    run_import(project, data.encode())

    assert page(project) == [("Résearch", [], [("Data, eval", [("Łukasz", "Lead, and more")])])]


def test_html_in_names_is_stored_as_text(make_project):
    project = make_project()

    run_import(project, csv_file("<i>Research</i>,Data,<script>alert(1)</script> Ann,"))

    assert Person.objects.get().name == "<script>alert(1)</script> Ann"
    assert Section.objects.get().title == "<i>Research</i>"


# Formulas: stored as text, escaped on export, the escaping undone on import


def test_formula_cells_are_stored_as_text_and_escaped_on_export(make_project):
    project = make_project()
    data = csv_file(
        'Research,Data,=HYPERLINK("http://x"),',
        "Research,Data,+Plus,",
        "Research,Data,-Minus,",
        "Research,Data,@Sum,",
        "Research,Data,Ann Beta,\t=1+1",
        "Research,Data,'Quoted,",
    )

    run_import(project, data)

    assert set(Person.objects.values_list("name", flat=True)) == {
        '=HYPERLINK("http://x")',
        "+Plus",
        "-Minus",
        "@Sum",
        "Ann Beta",
        "'Quoted",
    }
    assert Credit.objects.get(person__name="Ann Beta").title == "=1+1"
    # In sort key order, which does not sort on apostrophes and hyphens: "'Quoted" under Q.
    assert export_credits_csv(project) == (
        "section,team,person,role\n"
        "Research,Data,'+Plus,\n"
        'Research,Data,"\'=HYPERLINK(""http://x"")",\n'
        "Research,Data,'@Sum,\n"
        "Research,Data,Ann Beta,'=1+1\n"
        "Research,Data,'-Minus,\n"
        "Research,Data,'Quoted,\n"
    )


def test_escaping_on_export_is_undone_on_import(
    make_project, make_section, make_team, make_person, make_credit
):
    project = make_project()
    team = make_team(make_section(project, "=S"), "-T")
    for name in ["=A", "'=B", "''@C", "'D"]:
        make_credit(make_person(name), team=team)
    exported = export_credits_csv(project)
    other = make_project("Copy", "copy")

    run_import(other, exported.encode())

    assert page(other) == page(project)
    assert export_credits_csv(other) == exported
    assert "'=S,'-T,'''@C,\n" in exported
