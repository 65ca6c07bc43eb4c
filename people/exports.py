"""A project's credits for readers and citers: JSON, CITATION.cff and BibTeX.

All three are built from the same page data as the project page, so the names,
order and citation agree with what the page shows. The cited author and year
come from the project's citation line ("OpenAI (2023)").
"""

import json
import re

from django.db.models import Q

from people.models import Person, Role
from people.sorting import BRACKETED, PARTICLES, SUFFIXES, default_sort_name, fold

CITATION = re.compile(r"^(?P<author>.*?)[\s,]*\(?(?P<year>\d{4})\)?\.?$")


def citation_parts(project):
    """Return (author, year) of the citation line, e.g. ("OpenAI", 2023).

    The author is "" when the line names none; the year falls back to the
    publication year.
    """
    text = " ".join(project.citation.split())
    match = CITATION.match(text)
    if match:
        return match["author"], int(match["year"])
    year = project.published_at.year if project.published_at else None
    return text, year


def citation_message(project):
    if project.citation:
        return f"When citing this work, please cite it as “{project.citation}”."
    return "If you use this work, please cite it as below."


def family_first(name, sort_name=""):
    """Return the display name as "Family, Given", in the display name's own words.

    An editor's sort name is followed when it holds exactly the display name's
    words, spelled with or without accents: it then says which words are the
    family name ("Wang, Xiaoming" for "Wang Xiaoming"), but its spelling is
    never cited ("Mely, David" still gives "Mélý"). Any other sort name ("0
    first") only orders the page.
    """
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


def split_name(name, sort_name=""):
    """Return the parts of a person's name as CITATION.cff names them.

    The family name is the one the page sorts by ("Almeida" for "Diogo Moitinho
    de Almeida", with "de" as the particle); a single name is returned whole.
    The words are always those of the display name (see family_first).
    """
    family, _, given = family_first(name, sort_name).partition(",")
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


def credited_people(page):
    """Return the people credited on the page (leads and members), once each, in page order."""
    seen = {}
    for section in page["sections"]:
        for entry in section["leads"]:
            seen.setdefault(entry["id"], entry)
        for team in section["teams"]:
            for entry in team["people"]:
                seen.setdefault(entry["id"], entry)
    return list(seen.values())


def person_details(project):
    """Return {id: (sort_name, orcid, homepage)} of everyone credited on the project."""
    credited = Role.objects.filter(
        Q(section__project=project) | Q(team__section__project=project)
    ).values("person_id")
    rows = Person.objects.filter(pk__in=credited).values_list(
        "pk", "sort_name", "orcid", "homepage"
    )
    return {pk: details for pk, *details in rows}


def credits_json(project, page, absolute):
    """Return the whole page as JSON text; `absolute(path)` makes a full URL."""

    def person(entry):
        return {
            "name": entry["name"],
            "url": absolute(entry["url"]),
            "title": entry["title"] or None,
        }

    page_url = absolute(project.get_absolute_url())
    data = {
        "title": page["title"],
        "url": page_url,
        "published_at": page["published_at"].isoformat() if page["published_at"] else None,
        "updated_at": page["updated_at"].isoformat(),
        "citation": page["citation"] or None,
        "citation_message": citation_message(project),
        "ordering_note": page["ordering_note"] or None,
        "assembled_by": person(page["assembled_by"]) if page["assembled_by"] else None,
        "intro": page["intro"],
        "resources": [
            {"title": resource["title"], "url": resource["url"]} for resource in page["resources"]
        ],
        "closing_text": page["closing"],
        "sections": [
            {
                "title": section["title"],
                "url": f"{page_url}#{section['anchor']}",
                "leads": [person(entry) for entry in section["leads"]],
                "teams": [
                    {
                        "name": team["name"] or None,
                        "url": f"{page_url}#{team['anchor']}",
                        "people": [person(entry) for entry in team["people"]],
                    }
                    for team in section["teams"]
                ],
            }
            for section in page["sections"]
        ],
        "acknowledgments": [
            {
                "text": "\n\n".join(ack["paragraphs"]),
                "people": [person(entry) for entry in ack["people"]],
            }
            for ack in page["acknowledgments"]
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def yaml_string(text):
    """Quote `text` as a YAML double-quoted scalar.

    JSON's escapes are valid in YAML; characters YAML may not carry raw (C1
    controls, line and paragraph separators, BOM) are escaped as well.
    """
    quoted = json.dumps(text, ensure_ascii=False)
    return re.sub(
        r"[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]",
        lambda match: f"\\u{ord(match.group()):04x}",
        quoted,
    )


ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
WEBSITE = re.compile(r"^https?://\S+$")


def citation_cff(project, page, details, absolute):
    """Return a CITATION.cff (Citation File Format 1.2.0) for the project."""
    author, year = citation_parts(project)
    page_url = absolute(project.get_absolute_url())
    lines = [
        "cff-version: 1.2.0",
        f"message: {yaml_string(citation_message(project))}",
        f"title: {yaml_string(page['title'])}",
        "type: software",
        "authors:",
    ]
    people = credited_people(page)
    for entry in people:
        sort_name, orcid, homepage = details.get(entry["id"], ("", "", ""))
        parts = split_name(entry["name"], sort_name)
        if ORCID.match(orcid):
            parts["orcid"] = f"https://orcid.org/{orcid}"
        if WEBSITE.match(homepage):
            parts["website"] = homepage
        for number, (key, value) in enumerate(parts.items()):
            lines.append(f"{'  - ' if number == 0 else '    '}{key}: {yaml_string(value)}")
    if not people:
        lines.append(f"  - name: {yaml_string(author or page['title'])}")
    if page["published_at"]:
        lines.append(f"date-released: {yaml_string(page['published_at'].date().isoformat())}")
    lines.append(f"url: {yaml_string(page_url)}")
    if author:
        # The work is cited as its citation line says, e.g. "OpenAI (2023)",
        # while the authors above are everyone it credits.
        lines += [
            "preferred-citation:",
            "  type: generic",
            f"  title: {yaml_string(page['title'])}",
            "  authors:",
            f"    - name: {yaml_string(author)}",
        ]
        if year:
            lines.append(f"  year: {year}")
        lines.append(f"  url: {yaml_string(page_url)}")
    return "\n".join(lines) + "\n"


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


def bibtex_escape(text):
    return "".join(BIBTEX_SPECIAL.get(character, character) for character in text)


def bibtex_name(entry, sort_name):
    """Return a person as BibTeX's "von Last, Jr, First"; a single name is kept whole."""
    parts = split_name(entry["name"], sort_name)
    if "name" in parts:
        return "{" + bibtex_escape(parts["name"]) + "}"

    def protect(text):
        text = bibtex_escape(text)
        # BibTeX splits authors at " and " and names at commas, even inside a name.
        return "{" + text + "}" if re.search(r"(?i)\band\b|,", text) else text

    last = " ".join(filter(None, [parts.get("name-particle"), parts["family-names"]]))
    pieces = [protect(last)]
    if "name-suffix" in parts:
        pieces.append(protect(parts["name-suffix"]))
    pieces.append(protect(parts["given-names"]))
    return ", ".join(pieces)


def citation_bibtex(project, page, details, absolute):
    """Return a BibTeX @misc entry citing the project as its citation line does."""
    author, year = citation_parts(project)
    if author:
        authors = "{" + bibtex_escape(author) + "}"
    else:
        authors = " and ".join(
            bibtex_name(entry, details.get(entry["id"], ("",))[0])
            for entry in credited_people(page)
        )
    key = re.sub(r"[^a-z0-9]+", "", fold(author or page["title"]))[:30] or "credits"
    key = f"{key}{year or ''}-{re.sub(r'[^A-Za-z0-9-]+', '', page['slug'])}"
    fields = [
        ("author", authors),
        ("title", "{" + bibtex_escape(page["title"]) + "}"),
        ("year", str(year) if year else ""),
        # Kept verbatim, as url fields are; an address has no braces or backslashes.
        ("url", re.sub(r"[{}\\]", "", absolute(project.get_absolute_url()))),
        ("note", bibtex_escape(citation_message(project))),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key},\n{body}\n}}\n"
