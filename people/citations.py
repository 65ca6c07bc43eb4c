"""A project's credits for readers and citers: JSON, CSV, CITATION.cff and BibTeX.

All four are built from the same snapshot as the project page (people/snapshots.py,
pages.ProjectPage), so the names, order and citation agree with what the page
shows, and each says which version of the page it is (Release). The cited author
and year come from the page's citation line ("OpenAI (2023)"). The files are
written by libraries (json, csv, PyYAML, bibtexparser); only the text of BibTeX
fields is escaped here, as LaTeX reads it.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime

import bibtexparser
import yaml
from bibtexparser.model import Entry, Field

from people.models import ORCID
from people.sorting import (
    BRACKETED,
    PARTICLES,
    SUFFIXES,
    default_sort_name,
    family_name_sort_name,
    fold,
)
from people.spreadsheet.export import escape_cell, write_csv
from people.spreadsheet.format import COLUMNS, OPTIONAL_COLUMNS


@dataclass(frozen=True)
class Release:
    """Which version of a page the files give, with its addresses (absolute URLs)."""

    # None for the draft, which editors see.
    number: int | None
    published_at: datetime | None
    # The page the files describe: the project page, or an older version's own.
    url: str
    # The address that always shows this version; None for the draft.
    version_url: str | None


@dataclass(frozen=True)
class Author:
    """A person credited, as citations name them."""

    name: str
    # Which of the name's words are the family name (see family_first).
    sort_name: str
    family_name: str
    orcid: str
    homepage: str


CITATION = re.compile(r"^(?P<author>.*?)[\s,]*\(?(?P<year>\d{4})\)?\.?$")


def citation_parts(page):
    """Return (author, year) of the page's citation line, e.g. ("OpenAI", 2023).

    The author is "" when the line names none; the year falls back to the
    publication year.
    """
    text = " ".join(page.citation.split())
    match = CITATION.match(text)
    if match:
        return match["author"], int(match["year"])
    year = page.published_at.year if page.published_at else None
    return text, year


def citation_message(page):
    if page.citation:
        return f"When citing this work, please cite it as “{page.citation}”."
    return "If you use this work, please cite it as below."


def family_first(name, sort_name="", family_name=""):
    """Return the display name as "Family, Given", in the display name's own words.

    An editor's family name says which words are the family name ("García
    Márquez"). Without one, an editor's sort name is followed when it holds
    exactly the display name's words, spelled with or without accents: it then
    says which words are the family name ("Wang, Xiaoming" for "Wang Xiaoming"),
    but its spelling is never cited ("Mely, David" still gives "Mélý"). Any
    other sort name ("0 first") only orders the page.
    """
    if family_name:
        return family_name_sort_name(name, family_name)
    default = default_sort_name(name)
    family, comma, given = sort_name.partition(",")
    if not comma:
        return default
    words = default.replace(",", " ").split()
    ordered = []
    for part in (family, given):
        chosen = []
        for word in part.split():
            match = next((w for w in words if fold(w) == fold(word)), None)
            if match is None:
                return default
            words.remove(match)
            chosen.append(match)
        ordered.append(" ".join(chosen))
    if words or not all(ordered):
        return default
    return ", ".join(ordered)


def split_name(name, sort_name="", family_name=""):
    """Return the parts of a person's name, keyed as CITATION.cff's person object keys them.

    The family name is the one the page sorts by ("Almeida" for "Diogo Moitinho
    de Almeida", with "de" as the particle); a single name is returned whole.
    The words are always those of the display name (see family_first).
    """
    family, _, given = family_first(name, sort_name, family_name).partition(",")
    family, given = family.strip(), given.strip()
    if not given:
        return {"name": family or name}
    given_words = given.split()
    particles = []
    while len(given_words) > 1 and given_words[-1] in PARTICLES:
        particles.insert(0, given_words.pop())
    parts = {"family-names": family, "given-names": " ".join(given_words)}
    if particles:
        parts["name-particle"] = " ".join(particles)
    words = BRACKETED.sub(" ", name).split()
    if len(words) > 2 and words[-1].casefold().rstrip(",") in SUFFIXES:
        parts["name-suffix"] = words[-1]
    nickname = BRACKETED.search(name)
    if nickname:
        parts["alias"] = nickname.group()[1:-1].strip()
    return parts


def authors(snapshot):
    """Return the Authors of a snapshot: the people credited, once each, in page order."""
    people = snapshot.people
    return [
        Author(
            people[pk].name,
            people[pk].details.sort_name,
            people[pk].details.family_name,
            people[pk].details.orcid,
            people[pk].details.homepage,
        )
        for pk in snapshot.content.credited()
    ]


def others(key, count):
    """The JSON key that counts the people of a list who are not named, when there are some."""
    return {key: count} if count else {}


def credits_json(page, release, absolute):
    """Return the whole page as JSON text; `absolute(path)` makes a full URL.

    A list with people who are not named counts them, as the page does ("others").
    """

    def person(entry):
        return {"name": entry.name, "url": absolute(entry.url), "title": entry.title or None}

    page_url = release.url
    data = {
        "title": page.title,
        "url": page_url,
        "version": release.number,
        "version_published_at": (
            release.published_at.isoformat() if release.published_at else None
        ),
        "version_url": release.version_url,
        "published_at": page.published_at.isoformat() if page.published_at else None,
        "updated_at": page.updated_at.isoformat(),
        "citation": page.citation or None,
        "citation_message": citation_message(page),
        "ordering_note": page.ordering_note or None,
        "assembled_by": person(page.assembled_by) if page.assembled_by else None,
        "intro": page.intro,
        "resources": [
            {"title": resource.title, "url": resource.url} for resource in page.resources
        ],
        "closing_text": page.closing,
        "sections": [
            {
                "title": section.title,
                "url": f"{page_url}#{section.anchor}",
                "leads": [person(entry) for entry in section.leads],
                **others("leads_others", section.others),
                "teams": [
                    {
                        "name": team.name or None,
                        "url": f"{page_url}#{team.anchor}",
                        "people": [person(entry) for entry in team.people],
                        **others("others", team.others),
                    }
                    for team in section.teams
                ],
            }
            for section in page.sections
        ],
        "acknowledgments": [
            {
                "text": "\n\n".join(ack.paragraphs),
                "people": [person(entry) for entry in ack.people],
                **others("others", ack.others),
            }
            for ack in page.acknowledgments
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


class Text(str):
    """Text from the database, which a CITATION.cff writes in double quotes."""


class CffDumper(yaml.SafeDumper):
    """PyYAML's safe dumper, writing Text in double quotes.

    PyYAML follows YAML 1.1 and leaves text such as 1e3 or 0o17 unquoted, which
    YAML 1.2 readers of CITATION.cff (cffconvert, GitHub's) take for numbers.
    In double quotes any text stays text, with what YAML may not carry raw
    (controls, line separators, a byte-order mark) escaped.
    """


CffDumper.add_representer(
    Text, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')
)
WEBSITE = re.compile(r"https?://\S+")


def cff_person(author):
    """Return a CITATION.cff person object for an author row (see authors())."""
    parts = split_name(author.name, author.sort_name, author.family_name)
    person = {key: Text(value) for key, value in parts.items()}
    if ORCID.fullmatch(author.orcid):
        person["orcid"] = Text(f"https://orcid.org/{author.orcid}")
    if WEBSITE.fullmatch(author.homepage):
        person["website"] = Text(author.homepage)
    return person


def citation_cff(page, authors, release):
    """Return a CITATION.cff (Citation File Format 1.2.0) for a version of the project's page.

    The authors are everyone it credits (`authors()`), while the preferred
    citation is the work as its citation line names it, e.g. "OpenAI (2023)".
    The version's own address is an identifier, so that a citation of it can
    always be checked.
    """
    cited_author, year = citation_parts(page)
    page_url = Text(release.url)
    # CFF needs an author: with no one credited, the cited one (or the title) stands in.
    people = [cff_person(author) for author in authors] or [
        {"name": Text(cited_author or page.title)}
    ]
    data = {
        "cff-version": "1.2.0",
        "message": Text(citation_message(page)),
        "title": Text(page.title),
        "type": "software",
        "authors": people,
    }
    if release.number is not None:
        data["version"] = Text(str(release.number))
        data["date-released"] = Text(release.published_at.date().isoformat())
    data["url"] = page_url
    if release.version_url and release.version_url != release.url:
        data["identifiers"] = [
            {
                "type": "url",
                "value": Text(release.version_url),
                "description": Text(f"Version {release.number} of these credits"),
            }
        ]
    if cited_author:
        cited = {
            "type": "generic",
            "title": Text(page.title),
            "authors": [{"name": Text(cited_author)}],
        }
        if year:
            cited["year"] = year
        cited["url"] = page_url
        data["preferred-citation"] = cited
    return yaml.dump(
        data, Dumper=CffDumper, allow_unicode=True, sort_keys=False, width=float("inf")
    )


BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
UNPAIRED_BRACE = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}


def unpaired_braces(text):
    """Return the positions of the braces of `text` that have no partner."""
    opened, unpaired = [], []
    for index, character in enumerate(text):
        if character == "{":
            opened.append(index)
        elif character == "}":
            if opened:
                opened.pop()
            else:
                unpaired.append(index)
    return {*unpaired, *opened}


def bibtex_text(text):
    """Return `text` as the text of a BibTeX field: on one line, LaTeX's special characters escaped.

    BibTeX counts braces whether or not a backslash escapes them, and ends a
    field where they balance: a brace without its partner would end it early
    and let the rest of the text write fields of its own, so such a brace is
    written as a command. A newline is white space to BibTeX, but a line
    starting with "@" would start an entry for other readers.
    """
    text = " ".join(text.split())
    unpaired = unpaired_braces(text)
    return "".join(
        UNPAIRED_BRACE[character] if index in unpaired else BIBTEX_SPECIAL.get(character, character)
        for index, character in enumerate(text)
    )


def bibtex_name(author):
    """Return an author row as BibTeX's "von Last, Jr, First"; a single name is kept whole."""
    parts = split_name(author.name, author.sort_name, author.family_name)
    if "name" in parts:
        return "{" + bibtex_text(parts["name"]) + "}"

    def protect(text):
        text = bibtex_text(text)
        # BibTeX splits authors at " and " and names at commas, even inside a
        # name; bibtexparser cuts the start of a name that follows " and " with
        # a command ("\&", "\textbraceleft{}").
        return "{" + text + "}" if re.search(r"(?i)\band\b|,|^\\", text) else text

    last = " ".join(filter(None, [parts.get("name-particle"), parts["family-names"]]))
    pieces = [protect(last)]
    if "name-suffix" in parts:
        pieces.append(protect(parts["name-suffix"]))
    pieces.append(protect(parts["given-names"]))
    return ", ".join(pieces)


def bibtex_key(cited, year, slug):
    """Return the entry's key, e.g. "openai2023-gpt-4v": only ASCII letters, digits and "-"."""
    key = re.sub(r"[^a-z0-9]+", "", fold(cited))[:30] or "credits"
    return f"{key}{year or ''}-{re.sub(r'[^A-Za-z0-9-]+', '', slug)}"


BIBTEX_FORMAT = bibtexparser.BibtexFormat()
BIBTEX_FORMAT.indent = "  "


def citation_bibtex(page, authors, release):
    """Return a BibTeX @misc entry citing a version of the project as its citation line does.

    With no author in the citation line, the authors are everyone the page
    credits (`authors()`). The address is the version's own, with its number
    and date (BibLaTeX's version and date fields). bibtexparser writes the entry
    and encloses each value in braces.
    """
    cited_author, year = citation_parts(page)
    # BibTeX's own "and others" (et al.) stands for the people credited but not named.
    unnamed = ["others"] if page.credits_others and authors else []
    fields = {
        "author": "{" + bibtex_text(cited_author) + "}"
        if cited_author
        else " and ".join([*(bibtex_name(author) for author in authors), *unnamed]),
        "title": "{" + bibtex_text(page.title) + "}",
        "year": str(year) if year else "",
        "version": str(release.number) if release.number is not None else "",
        "date": release.published_at.date().isoformat() if release.published_at else "",
        # Kept verbatim, as url fields are; an address has no braces or backslashes.
        "url": re.sub(r"[{}\\\s]", "", release.version_url or release.url),
        # The entry is the citation: "cite it as below" would point at nothing.
        "note": bibtex_text(citation_message(page)) if page.citation else "",
    }
    entry = Entry(
        "misc",
        bibtex_key(cited_author or page.title, year, page.slug),
        [Field(name, value) for name, value in fields.items() if value],
    )
    return bibtexparser.write_string(bibtexparser.Library([entry]), bibtex_format=BIBTEX_FORMAT)


def credits_csv(snapshot):
    """Return the snapshot's credits as CSV in the import format, as export_credits_csv does.

    Page order: sections in order; in each, lead lines, then teams with their
    members, people by sort key. The sort_name column only when someone has one.
    """
    people = snapshot.people
    rows = []
    for section in snapshot.content.sections:
        places = [("", section.leads)] + [(team.name, team.credits) for team in section.teams]
        for team_name, credits in places:
            for credit in credits:
                person = people[credit.person_id]
                rows.append(
                    [section.title, team_name, person.name, credit.title, person.details.sort_name]
                )
    headers = [*COLUMNS, *OPTIONAL_COLUMNS]
    if not any(row[-1] for row in rows):
        headers = headers[:-1]
        rows = [row[:-1] for row in rows]
    return write_csv(headers, [[escape_cell(value) for value in row] for row in rows])
