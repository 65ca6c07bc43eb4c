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
    blocks = []
    list_depth = 0
    items = []
    table = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        line = token.map[0] + 1 if token.map else 0
        kind = token.type
        if kind == "heading_open":
            inline = tokens[index + 1]
            text_line = _lines(inline, line)
            blocks.append(
                Heading(int(token.tag[1]), " ".join(part.text for part in text_line), line)
            )
            index += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            if list_depth == 0 and items:
                blocks.append(Block(tuple(items), is_list=True))
                items = []
        elif kind == "table_open":
            table = ([], [])
        elif kind == "tr_open" and table is not None:
            table[0].append([])
            table[1].append(line)
        elif kind == "inline" and table is not None and table[0]:
            table[0][-1].append(" ".join(part.text for part in _lines(token, line)))
        elif kind == "table_close" and table is not None:
            rows = tuple(tuple(row) for row in table[0])
            blocks.append(Table(rows, tuple(table[1]), has_header=True))
            table = None
        elif kind == "inline":
            lines = _lines(token, line)
            if list_depth:
                items.extend(lines)
            elif lines:
                blocks.append(Block(tuple(lines)))
        elif kind in ("fence", "code_block"):
            first = token.content.strip().split("\n", 1)[0][:80]
            blocks.append(Skipped(line, first, "a code block: not read"))
        elif kind == "html_block":
            blocks.extend(html.read_blocks(token.content, first_line=line))
        index += 1
    if items:
        blocks.append(Block(tuple(items), is_list=True))
    deepest = max(tokens, key=lambda token: token.level, default=None)
    if deepest is not None and deepest.level >= MAX_NESTING - 1:
        line = deepest.map[0] + 1 if deepest.map else 1
        blocks.append(
            Skipped(line, "", f"quotes or lists nested over {MAX_NESTING} levels deep: not read")
        )
    return blocks


def _lines(inline, number):
    """The lines of an inline token: its text split at line breaks, with emphasis and links."""
    lines = []
    parts = []
    emphasis_start = []
    emphasis = None  # (start, end) of the last emphasised span
    strong_start = []
    strong = None
    links = []
    link_start = []
    in_sup = False

    def text():
        return "".join(parts)

    def end_line():
        nonlocal parts, emphasis, strong, links
        content = text()
        stripped = content.strip()
        if stripped:
            ending = content.rstrip()
            tail = ""
            if emphasis and emphasis[1] >= len(ending) and emphasis[0] > 0:
                tail = content[emphasis[0] : emphasis[1]].strip()
            is_strong = (
                bool(strong)
                and strong[0] <= len(content) - len(content.lstrip())
                and strong[1] >= len(ending)
            )
            lines.append(
                Line(
                    number + len(lines_breaks),
                    " ".join(stripped.split()),
                    tail,
                    is_strong,
                    tuple(links),
                )
            )
        parts, emphasis, strong, links = [], None, None, []

    lines_breaks = []
    for child in inline.children or []:
        kind = child.type
        if kind == "text" or kind == "code_inline":
            parts.append(("^" + child.content) if in_sup else child.content)
        elif kind in ("softbreak", "hardbreak"):
            end_line()
            lines_breaks.append(1)
        elif kind == "em_open":
            emphasis_start.append(len(text()))
        elif kind == "em_close" and emphasis_start:
            emphasis = (emphasis_start.pop(), len(text()))
        elif kind == "strong_open":
            strong_start.append(len(text()))
            emphasis_start.append(len(text()))
        elif kind == "strong_close" and strong_start:
            strong = (strong_start.pop(), len(text()))
            if emphasis_start:
                emphasis = (emphasis_start.pop(), len(text()))
        elif kind == "link_open":
            link_start.append((len(text()), child.attrs.get("href", "")))
        elif kind == "link_close" and link_start:
            start, href = link_start.pop()
            links.append(
                Link(" ".join(text()[start:].split()), str(href), number + len(lines_breaks))
            )
        elif kind == "image":
            parts.append(child.content)
        elif kind == "html_inline":
            tag = child.content.strip().lower()
            if tag.startswith("<sup"):
                in_sup = True
            elif tag.startswith("</sup"):
                in_sup = False
            elif tag.startswith("<br"):
                end_line()
                lines_breaks.append(1)
    end_line()
    return lines
