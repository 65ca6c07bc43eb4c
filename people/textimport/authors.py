"""Author lists people already have: a CITATION.cff's `authors` and a BibTeX entry's `author`.

Either becomes one group without a heading in a section "Authors", so that a project
exported with the page's own CITATION.cff or citation.bib imports back with the same
people. Names are put together given names first, as pages show them.
"""

import yaml
from bibtexparser import middlewares, parse_string
from pylatexenc.latex2text import LatexNodes2Text

from people.textimport.decode import TextImportError
from people.textimport.document import Document, Group, Member, Note, Section

SECTION = "Authors"


def read_cff(text):
    """The authors of a CITATION.cff file (YAML, read with safe_load)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise TextImportError(
            f"This CITATION.cff is not valid YAML{where}: {getattr(error, 'problem', error)}."
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("authors"), list):
        raise TextImportError("This CITATION.cff has no list of authors.")
    lines = _author_lines(text)
    document = Document("cff", title=str(data.get("title") or ""))
    members = []
    for index, author in enumerate(data["authors"]):
        line = lines[index] if index < len(lines) else 0
        if not isinstance(author, dict):
            document.notes.append(Note(line, str(author)[:160], "not an author entry: left out"))
            continue
        name, other_order = cff_name(author)
        if name:
            members.append(Member(name, line, other_order=other_order))
        else:
            document.notes.append(
                Note(line, str(author)[:160], "an author without a name: left out")
            )
    return _document(document, members, lines[0] if lines else 1)


def cff_name(author):
    """(the name given names first, the name family name first) of a CFF person or entity."""
    if author.get("name") and not author.get("family-names"):
        return _text(author["name"]), ""
    given = _text(author.get("given-names", ""))
    family = _text(author.get("family-names", ""))
    particle = _text(author.get("name-particle", ""))
    suffix = _text(author.get("name-suffix", ""))
    alias = _text(author.get("alias", ""))
    if alias and given:
        given = f"{given} ({alias})"
    name = " ".join(part for part in (given, particle, family, suffix) if part)
    other_order = " ".join(part for part in (particle, family, given, suffix) if part)
    return name, (other_order if given and family else "")


def read_bibtex(text):
    """The authors of the first BibTeX entry that has some, LaTeX accents decoded."""
    library = parse_string(
        text, append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    )
    entries = [entry for entry in library.entries if "author" in entry.fields_dict]
    if not entries:
        problem = "it could not be read" if library.failed_blocks else "it has no author field"
        raise TextImportError(f"No BibTeX entry with authors was found: {problem}.")
    entry = entries[0]
    document = Document(
        "bibtex",
        title=_latex(
            str(entry.fields_dict.get("title").value if "title" in entry.fields_dict else "")
        ),
    )
    line = getattr(entry, "start_line", 0) + 1
    if len(entries) > 1:
        document.notes.append(
            Note(
                line,
                entry.key,
                f"the first of {len(entries)} entries with authors: the others are not read",
            )
        )
    members = []
    converter = LatexNodes2Text()
    for parts in entry["author"]:
        name = " ".join(converter.latex_to_text(parts.merge_first_name_first).split())
        if not name:
            continue
        if not parts.first and not parts.von:
            document.notes.append(
                Note(line, name, "one author in braces: an organisation or a single name")
            )
        other_order = ""
        if parts.first and parts.last:
            family_first = " ".join([*parts.von, *parts.last, *parts.first, *parts.jr])
            other_order = " ".join(converter.latex_to_text(family_first).split())
        members.append(Member(name, line, other_order=other_order))
    return _document(document, members, line)


def _document(document, members, line):
    if not members:
        raise TextImportError("No names were found in the author list: nothing to import.")
    section = Section(SECTION, line, groups=[Group("", line, members)])
    document.sections.append(section)
    return document


def _text(value):
    return " ".join(str(value).split()) if value is not None else ""


def _latex(text):
    return " ".join(LatexNodes2Text().latex_to_text(text).split())


def _author_lines(text):
    """The line of each author entry of a CFF file, to number the preview (best effort)."""
    lines = []
    in_authors = False
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith("authors:"):
            in_authors = True
            continue
        if in_authors and line[:1] not in (" ", "-", "") and not line.startswith("#"):
            break
        if in_authors and line.lstrip().startswith("- ") and len(line) - len(line.lstrip()) <= 2:
            lines.append(number)
    return lines
