"""Markdown into blocks, through markdown-it-py's token stream (CommonMark and tables)."""

from markdown_it import MarkdownIt

from people.textimport import html
from people.textimport.blocks import Block, Heading, Line, Link, Skipped, Table

# Tokens nest at most this deep; deeper quotes and lists are read as text (markdown-it's
# own guard against input nested thousands of levels deep).
MAX_NESTING = 20


def parser():
    return MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable("table")


def read_blocks(text):
    """The blocks of a Markdown text, with the line numbers of the source."""
    tokens = parser().parse(text)
    reader = _BlockReader()
    reader.read(tokens)
    return reader.blocks + _too_deep(tokens)


def _too_deep(tokens):
    deepest = max(tokens, key=lambda token: token.level, default=None)
    if deepest is None or deepest.level < MAX_NESTING - 1:
        return []
    line = deepest.map[0] + 1 if deepest.map else 1
    return [Skipped(line, "", f"quotes or lists nested over {MAX_NESTING} levels deep: not read")]


class _BlockReader:
    """Collects headings, paragraphs, lists and tables from markdown-it's tokens, in order."""

    def __init__(self):
        self.blocks = []
        self.list_depth = 0
        self.items = []  # the lines of the outermost list being read
        self.table_rows = None  # the rows of the table being read
        self.table_numbers = []

    def read(self, tokens):
        index = 0
        while index < len(tokens):
            token = tokens[index]
            line = token.map[0] + 1 if token.map else 0
            if token.type == "heading_open":
                # heading_open, its inline text, heading_close
                self.add_heading(token, tokens[index + 1], line)
                index += 3
                continue
            self.read_token(token, line)
            index += 1
        self.end_list()

    def read_token(self, token, line):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            self.list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self.close_list()
        elif kind == "table_open":
            self.table_rows, self.table_numbers = [], []
        elif kind == "tr_open" and self.table_rows is not None:
            self.table_rows.append([])
            self.table_numbers.append(line)
        elif kind == "inline" and self.table_rows:
            self.table_rows[-1].append(_text(_lines(token, line)))
        elif kind == "table_close" and self.table_rows is not None:
            self.close_table()
        elif kind == "inline":
            self.add_lines(_lines(token, line))
        elif kind in ("fence", "code_block"):
            first = token.content.strip().split("\n", 1)[0][:80]
            self.blocks.append(Skipped(line, first, "a code block: not read"))
        elif kind == "html_block":
            self.blocks.extend(html.read_blocks(token.content, first_line=line))

    def add_heading(self, token, inline, line):
        self.blocks.append(Heading(int(token.tag[1]), _text(_lines(inline, line)), line))

    def add_lines(self, lines):
        if self.list_depth:
            self.items.extend(lines)
        elif lines:
            self.blocks.append(Block(tuple(lines)))

    def close_list(self):
        self.list_depth -= 1
        if self.list_depth == 0:
            self.end_list()

    def end_list(self):
        if self.items:
            self.blocks.append(Block(tuple(self.items), is_list=True))
            self.items = []

    def close_table(self):
        rows = tuple(tuple(row) for row in self.table_rows)
        self.blocks.append(Table(rows, tuple(self.table_numbers), has_header=True))
        self.table_rows = None


def _text(lines):
    return " ".join(line.text for line in lines)


def _lines(inline, number):
    """The lines of an inline token: its text split at line breaks, with emphasis and links."""
    reader = _LineReader(number)
    for child in inline.children or []:
        reader.read(child)
    reader.end_line()
    return reader.lines


class _LineReader:
    """Splits an inline token's children into lines, noting emphasis, bold and links."""

    def __init__(self, first_number):
        self.first_number = first_number
        self.breaks = 0
        self.lines = []
        # A span can stay open across a line break, so these are not reset with the line.
        self.emphasis_starts = []
        self.strong_starts = []
        self.link_starts = []  # (start, href)
        self.in_sup = False
        self.start_line()

    def start_line(self):
        self.parts = []
        self.emphasis = None  # (start, end) of the last emphasised span
        self.strong = None
        self.links = []

    @property
    def number(self):
        return self.first_number + self.breaks

    def text(self):
        return "".join(self.parts)

    def read(self, child):
        kind = child.type
        if kind in ("text", "code_inline"):
            self.parts.append(("^" + child.content) if self.in_sup else child.content)
        elif kind in ("softbreak", "hardbreak"):
            self.break_line()
        elif kind == "em_open":
            self.emphasis_starts.append(len(self.text()))
        elif kind == "em_close" and self.emphasis_starts:
            self.emphasis = (self.emphasis_starts.pop(), len(self.text()))
        elif kind == "strong_open":
            self.open_strong()
        elif kind == "strong_close" and self.strong_starts:
            self.close_strong()
        elif kind == "link_open":
            self.link_starts.append((len(self.text()), child.attrs.get("href", "")))
        elif kind == "link_close" and self.link_starts:
            self.close_link()
        elif kind == "image":
            self.parts.append(child.content)
        elif kind == "html_inline":
            self.read_html(child.content.strip().lower())

    def open_strong(self):
        # Bold text also counts as emphasis, as in "Jamie Kiros **Deployment lead**".
        self.strong_starts.append(len(self.text()))
        self.emphasis_starts.append(len(self.text()))

    def close_strong(self):
        self.strong = (self.strong_starts.pop(), len(self.text()))
        if self.emphasis_starts:
            self.emphasis = (self.emphasis_starts.pop(), len(self.text()))

    def close_link(self):
        start, href = self.link_starts.pop()
        self.links.append(Link(" ".join(self.text()[start:].split()), str(href), self.number))

    def read_html(self, tag):
        if tag.startswith("<sup"):
            self.in_sup = True
        elif tag.startswith("</sup"):
            self.in_sup = False
        elif tag.startswith("<br"):
            self.break_line()

    def break_line(self):
        self.end_line()
        self.breaks += 1

    def end_line(self):
        content = self.text()
        stripped = content.strip()
        if stripped:
            ending = content.rstrip()
            tail = ""
            if self.emphasis and self.emphasis[1] >= len(ending) and self.emphasis[0] > 0:
                tail = content[self.emphasis[0] : self.emphasis[1]].strip()
            lead = len(content) - len(content.lstrip())
            is_strong = (
                bool(self.strong) and self.strong[0] <= lead and self.strong[1] >= len(ending)
            )
            self.lines.append(
                Line(self.number, " ".join(stripped.split()), tail, is_strong, tuple(self.links))
            )
        self.start_line()
