"""The credits spreadsheet format: reading and checking a file into typed rows.

One row per credit, columns `section`, `team`, `person`, `role` and optionally
`sort_name` and `email` (the person's private address). plan.py matches the rows
against the database, apply.py writes them, export.py writes a project's credits in
the same format.
"""

import codecs
import csv
import io
import re
import string
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template.defaultfilters import filesizeformat

from people.models import Credit, Person, Section, Team, validate_name, validate_title
from people.sorting import normalize_name

COLUMNS = ("section", "team", "person", "role")
OPTIONAL_COLUMNS = ("sort_name",)
# Read like the optional columns; an export writes them only when someone allowed to
# see them asks (export.py), and the public exports never.
PRIVATE_COLUMNS = ("email",)
READ_COLUMNS = COLUMNS + OPTIONAL_COLUMNS + PRIVATE_COLUMNS
MAX_LENGTHS = {
    "section": Section._meta.get_field("title").max_length,
    "team": Team._meta.get_field("name").max_length,
    "person": Person._meta.get_field("name").max_length,
    "role": Credit._meta.get_field("title").max_length,
    "sort_name": Person._meta.get_field("sort_name").max_length,
    "email": Person._meta.get_field("email").max_length,
}
# What the forms check of each column's names and titles (control and text-direction
# characters refused, a name needs a letter) and addresses, checked here too: one rule
# at every way in.
VALIDATORS = {
    "section": validate_title,
    "team": validate_title,
    "person": validate_name,
    "role": validate_title,
    "sort_name": validate_name,
    "email": validate_email,
}
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_PROBLEMS = 50
SAVE_AS_UTF8 = 'In your spreadsheet, save the file as "CSV UTF-8 (comma-delimited)".'
NOT_UTF8 = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file, located as a spreadsheet shows it (the header is row 1)."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self):
        if self.row and self.column:
            return f"Row {self.row}, column {self.column}: {self.message}"
        if self.row:
            return f"Row {self.row}: {self.message}"
        return self.message


class CreditsError(Exception):
    """The file cannot be imported; nothing was written."""

    def __init__(self, problems):
        if isinstance(problems, str | Problem):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True, slots=True)
class CreditRow:
    """One credit as read from a file, with its cells cleaned; its shape up to the write."""

    row: int
    section: str
    team: str
    person: str
    role: str
    sort_name: str = ""
    email: str = ""

    @property
    def is_lead(self):
        return not self.team and bool(self.role)


def size_limit():
    """The largest file an import takes, as people read it ("10.0 MB")."""
    return filesizeformat(settings.IMPORT_MAX_BYTES)


def is_too_large(size):
    """Whether a file of `size` bytes is over the import limit (CREDITS_IMPORT_MAX_BYTES)."""
    return size > settings.IMPORT_MAX_BYTES


def read_bounded(file):
    """Read a binary file object up to one byte over the import limit.

    A pipe or a device has no size to check first (/dev/zero never ends): whether
    the file is over the limit is is_too_large(len(data)).
    """
    return file.read(settings.IMPORT_MAX_BYTES + 1)


def read_credits(data):
    """Return the credit rows of a CSV file given as bytes, or raise CreditsError."""
    rows, problems = read_table(data, _read_header, _read_row)
    if problems:
        raise CreditsError(problems)
    if not rows:
        raise CreditsError("The file has a header but no rows of credits.")
    return rows


def read_table(data, read_header, read_row):
    """Return (rows, problems) of a CSV file given as bytes, as `read_row` reads each row.

    `read_header(number, cells)` gives the columns, `read_row(number, cells, columns)`
    a row (or None) and its problems. The encoding is checked first: a file not in
    UTF-8 is refused, saying what it looks like. Past MAX_PROBLEMS, reading stops.
    """
    _refuse_other_unicode(data)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
        is_utf8 = True
    except UnicodeDecodeError:
        # Decoded anyway to find the cell to blame; any such cell is refused below.
        text = data.decode("utf-8", errors="surrogateescape")
        is_utf8 = False
        looks_like_windows_1252 = _looks_like_windows_1252(data)

    records = _records(text)
    header_row, header = next(records, (None, None))
    if header is None:
        raise CreditsError("The file is empty.")
    if not is_utf8:
        _refuse_non_utf8(header_row, header, dict(enumerate(header)), looks_like_windows_1252)
    columns = read_header(header_row, header)

    rows = []
    problems = []
    for number, cells in records:
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem("More problems follow; fix these first."))
            break
        if not is_utf8:
            _refuse_non_utf8(number, cells, columns, looks_like_windows_1252)
        row, row_problems = read_row(number, cells, columns)
        problems.extend(row_problems)
        if row is not None:
            rows.append(row)
    return rows, problems


def _records(text):
    """Yield (row number, cells) for each row that has a value; blank rows still count."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise CreditsError(
                Problem(f"this is not valid CSV ({error}); check the quotes in this row.", number)
            ) from error
        if any(cell.strip() for cell in cells):
            yield number, cells


def _refuse_other_unicode(data):
    """Refuse UTF-16 and UTF-32, with or without a byte-order mark, and a doubled UTF-8 one."""
    # UTF-32's little-endian mark starts with UTF-16's: look for it first.
    for name, marks in (
        ("UTF-32", (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)),
        ("UTF-16", (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)),
    ):
        if data.startswith(marks):
            raise CreditsError(
                f"The file must be UTF-8 encoded; this one is {name}. {SAVE_AS_UTF8}"
            )
    if _looks_like_utf16(data):
        raise CreditsError(
            "The file must be UTF-8 encoded; this one looks like UTF-16 without a byte-order "
            f"mark (every other byte is a NUL byte). {SAVE_AS_UTF8}"
        )
    if data.startswith(codecs.BOM_UTF8 * 2):
        raise CreditsError(
            "The file starts with two byte-order marks (a program added one to a file that had "
            "one already), so its first column has an invisible character before its name. In "
            "your spreadsheet, type the first column's name again, then save the file as "
            '"CSV UTF-8 (comma-delimited)".'
        )


def _looks_like_utf16(data):
    """Whether the file's first bytes are text with a NUL byte every other byte."""
    sample = data[:1000]
    pairs = len(sample) // 2
    if pairs < 2:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return max(even, odd) >= pairs / 2 and min(even, odd) <= pairs / 10


def _looks_like_windows_1252(data):
    """Whether the bytes read as Windows-1252 text: Western letters, never three in a row.

    Excel's "CSV (Comma delimited)" writes this encoding. Other single-byte encodings and
    the multi-byte ones of East Asia mostly decode too, as runs of accented letters.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return not re.search("[^\x00-\x7f]{3}", text)


def _refuse_non_utf8(number, cells, columns, looks_like_windows_1252):
    for index, cell in enumerate(cells):
        if NOT_UTF8.search(cell):
            column = columns.get(index) or column_letter(index)
            if looks_like_windows_1252:
                read = cell.encode("utf-8", errors="surrogateescape").decode("cp1252")
                raise CreditsError(
                    "The file must be UTF-8 encoded; this one looks like Windows-1252 (also "
                    f'called ANSI or Latin-1): row {number}, column {column} reads "{read}" in '
                    f"it. {SAVE_AS_UTF8}"
                )
            raise CreditsError(
                f"The file must be UTF-8 encoded: row {number}, column {column} has characters "
                f"that are not UTF-8. {SAVE_AS_UTF8}"
            )


def _read_header(number, header):
    """Return {cell index: column name} for the header, or raise CreditsError."""
    names = [cell.strip().casefold() for cell in header]
    named = [name for name in names if name]
    if len(named) == 1:
        for separator, word in ((";", "semicolon"), ("\t", "tab")):
            if separator in named[0]:
                raise CreditsError(
                    Problem(
                        f"the file looks {word}-separated; columns must be separated by commas. "
                        + SAVE_AS_UTF8,
                        number,
                    )
                )
    optional = OPTIONAL_COLUMNS + PRIVATE_COLUMNS
    expected = ", ".join(COLUMNS) + " (and optionally " + ", ".join(optional) + ")"
    problems = []
    seen = set()
    for name in names:
        if name and name in seen:
            problems.append(Problem(f'the column "{name}" appears twice.', number))
        seen.add(name)
    unknown = [name for name in names if name and name not in READ_COLUMNS]
    if unknown:
        problems.append(
            Problem(f"unknown {_columns(unknown)}. The columns are {expected}.", number)
        )
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        problems.append(
            Problem(
                f"missing {_columns(missing)}. The first row must name the columns: {expected}.",
                number,
            )
        )
    if problems:
        raise CreditsError(problems)
    return {index: name for index, name in enumerate(names) if name}


def _columns(names):
    quoted = ", ".join(f'"{name}"' for name in names)
    return f"column {quoted}" if len(names) == 1 else f"columns {quoted}"


def _read_row(number, cells, columns):
    values = dict.fromkeys(READ_COLUMNS, "")
    problems = []
    for index, cell in enumerate(cells):
        name = columns.get(index)
        if name is None:
            if cell.strip():
                problems.append(
                    Problem(
                        "a value in a column without a name in the header; "
                        "quote values that contain commas.",
                        number,
                        column_letter(index),
                    )
                )
            continue
        value = clean_cell(cell)
        if "\x00" in value:
            problems.append(
                Problem(
                    "the cell contains a NUL byte; the file must be a plain UTF-8 CSV file.",
                    number,
                    name,
                )
            )
        elif value:
            problems.extend(_refused_characters(value, number, name))
        if len(value) > MAX_LENGTHS[name]:
            problems.append(
                Problem(
                    f"{len(value)} characters; at most {MAX_LENGTHS[name]} are allowed.",
                    number,
                    name,
                )
            )
        values[name] = value
    for name in ("section", "person"):
        if not values[name]:
            problems.append(Problem(f"the {name} is empty.", number, name))
    if problems:
        return None, problems
    # As Django stores a user's: the domain in lower case, which is case-insensitive.
    values["email"] = BaseUserManager.normalize_email(values["email"])
    return CreditRow(number, **values), []


def _refused_characters(value, number, column):
    """The problem, if any, that the admin's forms would also find in this cell."""
    validate = VALIDATORS[column]
    try:
        validate(value)
    except ValidationError as error:
        return [Problem(message, number, column) for message in error.messages]
    return []


def column_letter(index):
    """Return the spreadsheet letter of a zero-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = string.ascii_uppercase[remainder] + letters
    return letters


def clean_cell(value):
    """Return a cell as stored: NFC, trimmed, spaces collapsed, export escaping undone."""
    value = normalize_name(value)
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        value = value[1:]
    return value
