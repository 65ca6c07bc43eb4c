"""Reading a credits page: from any format's blocks to a Document.

Three passes. First, every line is told apart (names, a lead line, a heading, prose,
links, a footnote) into a flat list of items, headings with levels: marked headings keep
theirs, and in text without markup a short line standing alone is a heading one level
above a line that heads the names under it. Second, headings get their part: the title,
sections (the highest headings with names under them), teams (those under a section),
the acknowledgments, or headings of prose. Third, the items are walked in order.

Nothing is guessed silently: what is uncertain or left out becomes a Note.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from people.models import validate_name, validate_title
from people.sorting import same_name_key
from people.textimport import authors, html, markdown, plaintext
from people.textimport.blocks import Block, Heading, Link, Skipped, Table
from people.textimport.decode import BIBTEX, CFF, HTML, MARKDOWN
from people.textimport.document import (
    Acknowledgment,
    Document,
    Group,
    LostHeading,
    MarkCount,
    Member,
    Note,
    Section,
)
from people.textimport.names import (
    MAX_NAME_LENGTH,
    clean_text,
    function_words,
    heading_text,
    is_heading_like,
    is_prose,
    legends,
    names_in,
    parse_lead,
)
from people.textimport.sentences import (
    citation,
    is_acknowledgment_heading,
    is_navigation,
    is_thanks,
    names_at_end,
    ordering_and_assembler,
    sentences,
)

HAS_LETTER = re.compile(r"[^\W\d_]")
# Names found outside any heading go into a section of this title.
DEFAULT_SECTION = "Authors"
NESTED_TEAM_SEPARATOR = " — "
NAME_COLUMNS = {
    "name", "names", "person", "people", "author", "authors", "contributor", "contributors",
    "member", "members", "who",
}  # fmt: skip
ROLE_COLUMNS = {
    "role", "credits", "title", "titles", "position", "contribution", "contributions",
    "responsibility", "job", "what",
}  # fmt: skip
TEAM_COLUMNS = {"team", "teams", "group", "groups", "area", "workstream", "department"}


def placeholder(position):
    """The heading a group that lost its heading gets until the editor types one."""
    return f"Untitled group {position}"


def read_text(text, format_name, headings=None):
    """Read `text` into a Document; `headings` maps a lost group's line to its typed heading."""
    if format_name == CFF:
        return authors.read_cff(text)
    if format_name == BIBTEX:
        return authors.read_bibtex(text)
    readers = {MARKDOWN: markdown.read_blocks, HTML: html.read_blocks}
    blocks = readers.get(format_name, plaintext.read_blocks)(text)
    return _Reader(format_name, headings or {}).read(blocks)


# The items of the first pass


@dataclass
class _Heading:
    level: int
    text: str
    line: int
    part: str = ""  # title, section, team, acknowledgments, prose, skipped
    depth: int = 0
    path: tuple[str, ...] = ()


@dataclass
class _Names:
    members: list[Member]
    line: int
    is_leads: bool = False
    is_single: bool = False  # one name standing alone: runs of them make one list


@dataclass
class _Prose:
    text: str
    line: int
    links: tuple[Link, ...] = ()


@dataclass
class _Links:
    links: list[Link]
    line: int


@dataclass
class _Reader:
    format: str
    headings: dict[int, str]
    document: Document = None
    known: set[str] = field(default_factory=set)
    mark_counts: Counter = field(default_factory=Counter)
    legends: dict[str, str] = field(default_factory=dict)
    announced: int | None = None  # the line of an intro paragraph that ends with ":"
    lists: dict = field(default_factory=dict)  # Line -> its names, read by learn_names

    def __post_init__(self):
        self.document = Document(self.format)

    def note(self, line, text, taken_for):
        self.document.notes.append(Note(line, _short(text), taken_for))

    def read(self, blocks):
        self.learn_names(blocks)
        items = self.items(blocks)
        self.assign_parts(items)
        self.walk(items)
        self.finish()
        return self.document

    # First pass: lines into items

    def learn_names(self, blocks):
        """Names from the page's lists, so that "Jamie Kiros Deployment lead" can be split."""
        for block in blocks:
            if isinstance(block, Block):
                for line in block.lines:
                    found = names_in(line.text)
                    if found and not found[0].title:
                        self.known.update(same_name_key(item.name) for item in found)
                        # Names now known only make more pieces names: the list stands.
                        self.lists[line] = found

    def items(self, blocks):
        base = max((block.level for block in blocks if isinstance(block, Heading)), default=0)
        items = []
        for block in blocks:
            if isinstance(block, Heading):
                items.append(_Heading(block.level, heading_text(block.text), block.line))
            elif isinstance(block, Table):
                items.extend(self.table_items(block, base))
            elif isinstance(block, Skipped):
                self.note(block.line, block.text, block.reason)
            else:
                items.extend(self.block_items(block, base))
        return _merge_single_names(items)

    def block_items(self, block, base):
        text = " ".join(line.text for line in block.lines)
        if not block.is_list and len(block.lines) > 1 and is_prose(text):
            if not any(line in self.lists for line in block.lines) and not names_in(
                block.lines[0].text, self.known
            ):
                links = tuple(link for line in block.lines for link in line.links)
                return [_Prose(clean_text(text), block.lines[0].number, links)]
        items = []
        for index, line in enumerate(block.lines):
            for item in self.line_items(line, block, index, base):
                previous = items[-1] if items else None
                # The lines of one block are one list ("Alice" / "Bob" / "Carol").
                if (
                    isinstance(item, _Names)
                    and isinstance(previous, _Names)
                    and item.is_leads == previous.is_leads
                ):
                    previous.members.extend(item.members)
                else:
                    items.append(item)
        return items

    def line_items(self, line, block, index, base):
        text = clean_text(line.text)
        if not text:
            return []
        footnotes = legends(line.text)
        # A footnote explains a mark that names carried before it ("Alice*" … "* Equal").
        if footnotes and all(mark in self.mark_counts for mark, _text in footnotes):
            for mark, explanation in footnotes:
                self.legends.setdefault(mark, explanation)
                note, _assembler = ordering_and_assembler(explanation)
                if note and not self.document.ordering_note:
                    self.document.ordering_note = note
            return []
        found = self.lists.get(line) or names_in(text, self.known)
        link_only = _link_only(line, text)
        # A person's name linked to their page is a name; other links are resources.
        if link_only and not (found and len(found) == 1 and len(found[0].name.split()) > 1):
            return [_Links(link_only, line.number)]
        if found and not (
            line.is_strong and len(found) == 1 and len(block.lines) > 1 and index == 0
        ):
            members = [self.member(item, line.number) for item in found]
            # "Hana Sato (Project lead)" on its own line is a lead line.
            is_lead = len(found) == 1 and bool(found[0].title)
            alone = len(found) == 1 and len(block.lines) == 1 and not is_lead
            return [_Names(members, line.number, is_leads=is_lead, is_single=alone)]
        lead = parse_lead(text, line.emphasis, self.known)
        if lead:
            if not lead.is_sure:
                self.note(
                    line.number,
                    text,
                    f"a lead line: {lead.name}, “{lead.title}” (no separator; check the split)",
                )
            self.count_marks(lead.marks)
            return [
                _Names([Member(lead.name, line.number, lead.title)], line.number, is_leads=True)
            ]
        if is_prose(text):
            return [_Prose(text, line.number, line.links)]
        inline = self.inline_team(text, line.number, base)
        if inline:
            return inline
        if is_heading_like(text) or line.is_strong:
            alone = len(block.lines) == 1 and not block.is_list
            return [_Heading(base + (1 if alone else 2), heading_text(text), line.number)]
        self.note(line.number, text, "not understood: left out")
        return []

    def inline_team(self, text, number, base):
        """ "Core contributors: Alice, Bob and Carol" is a team heading with its names."""
        head, colon, tail = text.partition(":")
        if not colon or not is_heading_like(head) or len(function_words(head)) > 1:
            return None
        found = names_in(tail.strip().rstrip("."), self.known)
        if not found:
            return None
        members = [self.member(item, number) for item in found]
        return [_Heading(base + 2, heading_text(head), number), _Names(members, number)]

    def table_items(self, table, base):
        rows = [list(row) for row in table.rows]
        header = [cell.strip().casefold() for cell in rows[0]]
        name_column = next((i for i, cell in enumerate(header) if cell in NAME_COLUMNS), None)
        if name_column is None:
            if table.has_header and not any(names_in(cell, self.known) for cell in rows[0]):
                name_column = 0
            else:
                name_column = _best_name_column(rows, self.known)
                header = []
        credit_column = next((i for i, cell in enumerate(header) if cell in ROLE_COLUMNS), None)
        team_column = next((i for i, cell in enumerate(header) if cell in TEAM_COLUMNS), None)
        start = 1 if header else 0
        items = []
        current_team = None
        for row, number in zip(rows[start:], table.numbers[start:], strict=False):
            cell = row[name_column] if name_column < len(row) else ""
            found = names_in(cell, self.known)
            if not found:
                if any(c.strip() for c in row):
                    self.note(number, " | ".join(row), "a table row without a name: left out")
                continue
            title = (
                row[credit_column].strip()
                if credit_column is not None and credit_column < len(row)
                else ""
            )
            team = (
                row[team_column].strip()
                if team_column is not None and team_column < len(row)
                else None
            )
            if team is not None and team != current_team:
                items.append(_Heading(base + 2, heading_text(team) or team, number))
                current_team = team
            members = [self.member(item, number, title) for item in found]
            if items and isinstance(items[-1], _Names):
                items[-1].members.extend(members)
            else:
                items.append(_Names(members, number))
        return items

    def member(self, item, number, title=""):
        self.count_marks(item.marks)
        if item.is_doubtful:
            self.note(
                number, item.name, "does not read as a name, but stands in a list of names: kept"
            )
        if item.dropped:
            self.note(
                number,
                f"{item.name} {item.dropped}",
                f"“{item.dropped}” left out of the name (an affiliation or address?)",
            )
        return Member(item.name, number, title or item.title)

    def count_marks(self, marks):
        if marks:
            self.document.marked_names += 1
            self.mark_counts.update(set(marks))

    # Second pass: what each heading is

    def assign_parts(self, items):
        headings = [item for item in items if isinstance(item, _Heading)]
        scopes = _scopes(items)
        for heading in headings:
            if is_navigation(heading.text) and not scopes[id(heading)].has_names:
                heading.part = "skipped"
            elif is_acknowledgment_heading(heading.text):
                heading.part = "acknowledgments"
            elif scopes[id(heading)].has_names:
                heading.part = "credits"
            else:
                heading.part = "prose"
        first = next((h for h in headings if h.part != "skipped"), None)
        before_first = items[: items.index(first)] if first else items
        # The title is a first heading over prose, or above every other heading.
        if (
            first is not None
            and (
                first.part == "prose"
                or all(
                    h.level > first.level
                    for h in headings
                    if h is not first and h.part != "skipped"
                )
            )
            and first.part in ("credits", "prose")
            and not scopes[id(first)].direct_names
            and not any(isinstance(item, _Names) for item in before_first)
        ):
            first.part = "title"
        credits = [h for h in headings if h.part == "credits"]
        while credits:
            _depths(credits)
            top = [h for h in credits if h.depth == 0]
            if len(top) == 1 and max(h.depth for h in credits) >= 2:
                top[0].part = "wrapper"
                credits.remove(top[0])
                continue
            break
        for heading in credits:
            heading.part = "section" if heading.depth == 0 else "team"

    # Third pass: walking the items in order

    def walk(self, items):
        state = _State()
        for item in items:
            if isinstance(item, _Heading):
                self.heading(item, state)
            elif isinstance(item, _Names):
                self.names(item, state)
            elif isinstance(item, _Prose):
                self.prose(item, state)
            elif isinstance(item, _Links):
                self.links(item, state)

    def heading(self, item, state):
        document = self.document
        part = item.part
        if part == "title":
            document.title = item.text
            return
        if part in ("skipped", "wrapper"):
            reason = (
                "page navigation: left out"
                if part == "skipped"
                else "a heading over all the sections: not imported"
            )
            self.note(item.line, item.text, reason)
            return
        if part == "section":
            state.section = Section(item.text, item.line)
            state.section_level = item.level
            document.sections.append(state.section)
            state.team, state.team_group, state.context = None, None, "credits"
            return
        if part == "team" and state.section is not None:
            state.team = item
            state.team_group = None
            state.context = "credits"
            if item.depth > 1:
                self.note(
                    item.line,
                    item.text,
                    f"a heading nested under a team: the team “{_team_name(item)}”",
                )
            return
        if part == "acknowledgments":
            state.context, state.acknowledgment_heading = "acknowledgments", item.text
            state.section, state.team = None, None
            return
        if (
            state.section is not None
            and state.section_level is not None
            and item.level > state.section_level
        ):
            self.note(item.line, item.text, "a heading with no names under it: not imported")
            return
        state.context = "top" if not document.sections else "other"
        state.section, state.team = None, None
        self.note(
            item.line,
            item.text,
            "a heading with no names under it: not imported (the page shows its own headings "
            "for the citation and acknowledgments)",
        )

    def names(self, item, state):
        if state.context == "acknowledgments" or state.pending_thanks is not None:
            self.mention(item, state)
            return
        if state.section is None:
            state.section = self.default_section(item.line)
        section = state.section
        if item.is_leads and state.team is None and not section.groups:
            section.leads.extend(member for member in item.members if member.title)
            untitled = [member for member in item.members if not member.title]
            if not untitled:
                return
            item = _Names(untitled, item.line)
        if state.team is not None and state.team_group is None:
            state.team_group = Group(_team_name(state.team), state.team.line, list(item.members))
            section.groups.append(state.team_group)
            return
        if item.is_leads and section.groups:
            section.groups[-1].members.extend(item.members)
            return
        if state.team is None and not section.groups:
            section.groups.append(Group("", item.line, list(item.members)))
            return
        before = section.groups[-1]
        position = len(section.groups) + 1
        lost = LostHeading(item.line, section.title, before.heading, before.line, position)
        heading = self.headings.get(item.line, placeholder(position))
        state.team_group = Group(heading, item.line, list(item.members), lost)
        section.groups.append(state.team_group)

    def default_section(self, line):
        section = Section(DEFAULT_SECTION, line)
        self.document.sections.append(section)
        self.note(
            line, DEFAULT_SECTION, f"names before any heading: put in a section “{DEFAULT_SECTION}”"
        )
        return section

    def mention(self, item, state):
        acknowledgments = self.document.acknowledgments
        if state.pending_thanks is not None:
            state.pending_thanks.names.extend(item.members)
            state.pending_thanks = None
        elif acknowledgments and not acknowledgments[-1].names:
            acknowledgments[-1].names.extend(item.members)
        else:
            text = state.acknowledgment_heading or "Thanks"
            self.note(
                item.line, text, f"names without a paragraph of thanks: an acknowledgment “{text}”"
            )
            acknowledgments.append(Acknowledgment(text, item.line, list(item.members)))

    def prose(self, item, state):
        document = self.document
        kept = []
        for sentence in sentences(item.text):
            cited = citation(sentence)
            note, assembler = ordering_and_assembler(sentence)
            if cited and not document.citation:
                document.citation = cited
            if note and not document.ordering_note:
                document.ordering_note = note
            if assembler and document.assembled_by is None:
                document.assembled_by = Member(assembler, item.line)
            if not (cited or note or assembler):
                kept.append(sentence)
        if not kept:
            return
        text = " ".join(kept)
        at_top = not document.sections and state.context in ("top", None)
        if at_top:
            self.intro(text, item, state)
            return
        split = names_at_end(text, self.known)
        if split:
            document.acknowledgments.append(
                Acknowledgment(
                    split[0], item.line, [Member(name.name, item.line) for name in split[1]]
                )
            )
            for name in split[1]:
                self.count_marks(name.marks)
            state.pending_thanks = None
        elif is_thanks(text) or state.context == "acknowledgments" or document.acknowledgments:
            acknowledgment = Acknowledgment(text, item.line)
            document.acknowledgments.append(acknowledgment)
            state.pending_thanks = acknowledgment if text.endswith(":") else None
        else:
            self.note(item.line, text, "prose among the credits: not imported")

    def intro(self, text, item, state):
        document = self.document
        document.links.extend(link for link in item.links if _is_web(link.url))
        if state.links_seen or self.announced:
            document.closing.append(text)
        else:
            document.intro.append(text)
            if text.endswith(":"):
                self.announced = item.line

    def links(self, item, state):
        if self.document.sections or state.context not in ("top", None):
            for link in item.links:
                self.note(
                    link.line,
                    f"{link.title} <{link.url}>",
                    "a link among the credits: not imported",
                )
            return
        for link in item.links:
            if _is_web(link.url):
                self.document.links.append(link)
            else:
                self.note(
                    link.line,
                    f"{link.title} <{link.url}>",
                    "not a web address (http or https): left out",
                )
        state.links_seen = True
        self.announced = None

    # Finishing: lost headings, marks, what cannot be stored

    def finish(self):
        document = self.document
        for section in document.sections:
            groups = section.groups
            if groups and groups[0].heading == "" and groups[0].lost is None and len(groups) > 1:
                first = groups[0]
                first.lost = LostHeading(first.line, section.title, "", section.line, 1)
                first.heading = self.headings.get(first.line, "")
        if self.announced:
            self.note(
                self.announced,
                document.intro[-1],
                "announces a list that does not follow (links lost?); "
                "the text after it is the closing text",
            )
        document.marks = [
            MarkCount(mark, count, self.legends.get(mark, ""))
            for mark, count in self.mark_counts.most_common()
        ]
        self.check(document)
        document.notes.sort(key=lambda note: note.line)

    def check(self, document):
        """Names and titles the database would refuse become problems, which block the import."""
        problems = document.problems
        for section in document.sections:
            _check(problems, validate_title, section.title, section.line, "section title")
            for lead in section.leads:
                _check(problems, validate_name, lead.name, lead.line, "name")
                _check(problems, validate_title, lead.title, lead.line, "title")
            for group in section.groups:
                if group.heading:
                    _check(problems, validate_title, group.heading, group.line, "team name")
                for member in group.members:
                    _check(problems, validate_name, member.name, member.line, "name")
                    if member.title:
                        _check(problems, validate_title, member.title, member.line, "title")
        for acknowledgment in document.acknowledgments:
            for member in acknowledgment.names:
                _check(problems, validate_name, member.name, member.line, "name")
        if document.assembled_by:
            _check(
                problems,
                validate_name,
                document.assembled_by.name,
                document.assembled_by.line,
                "name",
            )


@dataclass
class _State:
    context: str | None = None
    section: Section | None = None
    section_level: int | None = None
    team: _Heading | None = None
    team_group: Group | None = None
    acknowledgment_heading: str = ""
    pending_thanks: Acknowledgment | None = None
    links_seen: bool = False


@dataclass
class _Scope:
    has_names: bool = False
    direct_names: bool = False


def _scopes(items):
    """For each heading: whether names come under it, and directly (before a heading under it)."""
    scopes = {}
    open_headings = []  # headings whose scope is still open, outermost first
    for item in items:
        if isinstance(item, _Heading):
            while open_headings and open_headings[-1].level >= item.level:
                open_headings.pop()
            scopes[id(item)] = _Scope()
            open_headings.append(item)
        elif isinstance(item, _Names) and open_headings:
            for heading in open_headings:
                scopes[id(heading)].has_names = True
            scopes[id(open_headings[-1])].direct_names = True
    return scopes


def _depths(credits):
    """Each credits heading's depth among credits headings, and the path of headings to it."""
    stack = []
    for heading in credits:
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        heading.depth = len(stack)
        heading.path = tuple(h.text for h in stack[1:]) + (heading.text,)
        stack.append(heading)


def _team_name(heading):
    return NESTED_TEAM_SEPARATOR.join(heading.path) if heading.path else heading.text


def _merge_single_names(items):
    """Names standing alone one after another ("Alice" / "Bob" / "Carol") make one list."""
    merged = []
    for item in items:
        previous = merged[-1] if merged else None
        if (
            isinstance(item, _Names)
            and item.is_single
            and isinstance(previous, _Names)
            and previous.is_single
        ):
            previous.members.extend(item.members)
            continue
        merged.append(item)
    return merged


def _best_name_column(rows, known):
    counts = Counter(
        index for row in rows for index, cell in enumerate(row) if names_in(cell, known)
    )
    return counts.most_common(1)[0][0] if counts else 0


def _link_only(line, text):
    """The links of a line that is nothing but links (or a title and a bare address)."""
    if line.links:
        linked = " ".join(link.title for link in line.links)
        if len(linked) >= len(text.strip(" •·-–—|,;:")) * 0.6:
            return list(line.links)
    words = text.split()
    addresses = [word for word in words if word.startswith(("http://", "https://"))]
    if len(addresses) == 1:
        title = text.replace(addresses[0], "").strip(" :-–—()<>[]")
        if not title or not is_prose(title):
            return [Link(title or addresses[0], addresses[0].strip("<>()[],."), line.number)]
    return None


def _is_web(url):
    return url.startswith(("http://", "https://"))


def _short(text, length=160):
    return text if len(text) <= length else text[: length - 1] + "…"


def _check(problems, validate, value, line, what):
    # Most values are plain printable words, which the validators would accept: skip them.
    if len(value) <= MAX_NAME_LENGTH and value.isprintable() and HAS_LETTER.search(value):
        return
    if len(value) > MAX_NAME_LENGTH:
        problems.append(
            Note(
                line,
                _short(value, 60),
                f"a {what} of {len(value):,} characters; at most {MAX_NAME_LENGTH} are allowed",
            )
        )
        return
    try:
        validate(value)
    except ValidationError as error:
        problems.append(Note(line, _short(value, 60), " ".join(error.messages)))
