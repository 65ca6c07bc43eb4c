"""HTML into blocks, through selectolax's lexbor parser (HTML5, as browsers parse it).

The walk is a loop over a stack, not recursion: a page nested 10,000 levels deep is
read like any other. Scripts, styles, forms and the site's navigation are never read.
"""

import re

from selectolax.lexbor import LexborHTMLParser

from people.textimport.blocks import Block, Heading, Line, Link, Skipped, Table

NEVER_READ = {
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "form", "button", "select", "textarea", "input", "nav", "footer", "dialog",
    "head", "title", "meta", "link", "audio", "video", "picture", "img",
}  # fmt: skip
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Elements that start and end a block of their own.
BLOCKS = {
    "p", "div", "section", "article", "main", "header", "aside", "blockquote", "figure",
    "figcaption", "address", "dl", "dt", "dd", "center", "body", "html", "details", "summary",
    "hgroup", "caption", "fieldset", "legend",
}  # fmt: skip
LISTS = {"ul", "ol", "menu"}
EMPHASIS = {"em", "i", "cite", "var", "dfn"}
STRONG = {"strong", "b"}
SPACE = re.compile(r"\s+")
# How far ahead of the last text found the next text is looked for, to number lines.
LOOKAHEAD = 20_000


def read_blocks(source, first_line=1):
    """The blocks of an HTML page; lines are numbered as in the source, from `first_line`."""
    tree = LexborHTMLParser(source)
    root = tree.css_first("main") or _single(tree, "article") or tree.body or tree.root
    if root is None:
        return []
    walker = _Walker(source, first_line)
    walker.walk(root)
    return walker.blocks


def _single(tree, tag):
    found = tree.css(tag)
    return found[0] if len(found) == 1 else None


class _Walker:
    """Collects headings, paragraphs, lists and tables in document order."""

    def __init__(self, source, first_line):
        self.source = source
        self.first_line = first_line
        self.cursor = 0
        self.cursor_line = first_line
        self.blocks = []
        self.lines = []  # the lines of the block being read
        self.list_depth = 0
        self.reset_line()

    def reset_line(self):
        self.parts = []
        self.length = 0
        self.line_number = None
        self.emphasis = None
        self.strong = None
        self.links = []

    # Line numbers: each text is looked for in the source after the previous one.

    def locate(self, text):
        words = [word.strip(".,;:!?()[]\"'“”‘’") for word in text.split()]
        probe = next((word for word in words if len(word) > 2 and word.isalnum()), "")
        if not probe:
            return self.cursor_line
        found = self.source.find(probe, self.cursor, self.cursor + LOOKAHEAD)
        if found >= 0:
            self.cursor_line += self.source.count("\n", self.cursor, found)
            self.cursor = found + len(probe)
        return self.cursor_line

    # Building lines and blocks

    def add_text(self, text, sup=False):
        text = SPACE.sub(" ", text)
        if not text.strip():
            if self.parts and not self.parts[-1].endswith(" "):
                self.parts.append(" ")
                self.length += 1
            return
        if self.line_number is None:
            self.line_number = self.locate(text)
        if sup:
            text = "^" + text.strip()
        self.parts.append(text)
        self.length += len(text)

    def end_line(self):
        content = "".join(self.parts)
        stripped = " ".join(content.split())
        if stripped:
            ending = len(content.rstrip())
            lead = len(content) - len(content.lstrip())
            tail = ""
            if self.emphasis and self.emphasis[1] >= ending and self.emphasis[0] > lead:
                tail = " ".join(content[self.emphasis[0] : self.emphasis[1]].split())
            is_strong = bool(self.strong) and self.strong[0] <= lead and self.strong[1] >= ending
            self.lines.append(
                Line(
                    self.line_number or self.cursor_line,
                    stripped,
                    tail,
                    is_strong,
                    tuple(self.links),
                )
            )
        self.reset_line()

    def end_block(self, is_list=False):
        self.end_line()
        if self.lines:
            self.blocks.append(Block(tuple(self.lines), is_list=is_list or self.list_depth > 0))
            self.lines = []

    def walk(self, root):
        stack = [(root, False, None)]
        while stack:
            node, leaving, started = stack.pop()
            tag = node.tag
            if leaving:
                self.leave(node, tag, started)
                continue
            if tag == "-text":
                self.add_text(node.text_content or "")
                continue
            if tag in NEVER_READ or tag.startswith("-") or _is_hidden(node):
                continue
            started = self.enter(node, tag)
            if started is False:
                continue
            stack.append((node, True, started))
            children = list(node.iter(include_text=True))
            stack.extend((child, False, None) for child in reversed(children))

    def enter(self, node, tag):
        """Start an element; False when it was read whole (its children are not walked)."""
        if tag in HEADINGS:
            self.read_heading(node, tag)
            return False
        if tag == "table":
            self.end_block()
            self.read_table(node)
            return False
        if tag == "pre":
            self.read_preformatted(node)
            return False
        if tag == "sup":
            self.read_superscript(node)
            return False
        if tag == "br":
            self.end_line()
            return False
        if tag in LISTS:
            self.enter_list()
        elif tag == "li":
            self.end_line()
        elif tag in BLOCKS:
            self.end_block_or_line()
        elif tag in EMPHASIS or tag in STRONG or tag == "a":
            return self.length
        return None

    def leave(self, node, tag, started):
        if tag in LISTS:
            self.leave_list()
        elif tag == "li":
            self.end_line()
        elif tag in BLOCKS:
            self.end_block_or_line()
        elif tag in EMPHASIS:
            self.emphasis = (started, self.length)
        elif tag in STRONG:
            self.strong = (started, self.length)
            self.emphasis = (started, self.length)
        elif tag == "a":
            href = (node.attributes.get("href") or "").strip()
            text = " ".join("".join(self.parts)[started:].split())
            if href and text:
                self.links.append(Link(text, href, self.line_number or self.cursor_line))

    def enter_list(self):
        # A list inside a list item belongs to the outer list's block.
        if self.list_depth == 0:
            self.end_block()
        else:
            self.end_line()
        self.list_depth += 1

    def leave_list(self):
        self.list_depth -= 1
        if self.list_depth == 0:
            self.end_block(is_list=True)
        else:
            self.end_line()

    def end_block_or_line(self):
        # Inside a list, a paragraph or div is one more line of the list's block.
        if self.list_depth:
            self.end_line()
        else:
            self.end_block()

    def read_heading(self, node, tag):
        self.end_block()
        text = " ".join(node.text(deep=True, separator=" ").split())
        if text:
            self.blocks.append(Heading(HEADINGS[tag], text, self.locate(text)))

    def read_preformatted(self, node):
        self.end_block()
        text = node.text(deep=True).strip()
        if text:
            first = text.split("\n", 1)[0][:80]
            self.blocks.append(Skipped(self.locate(first), first, "preformatted text: not read"))

    def read_superscript(self, node):
        # A short superscript is a footnote mark on a name ("Dan Wu^1"); a longer one is dropped.
        text = node.text(deep=True).strip()
        if 0 < len(text) <= 12:
            self.add_text(text, sup=True)

    def read_table(self, table):
        rows, numbers = [], []
        has_header = False
        for row in table.css("tr"):
            cells = row.css("th, td")
            if not cells:
                continue
            texts = tuple(" ".join(cell.text(deep=True, separator=" ").split()) for cell in cells)
            if not rows and all(cell.tag == "th" for cell in cells):
                has_header = True
            rows.append(texts)
            numbers.append(self.locate(" ".join(texts)))
        if rows:
            self.blocks.append(Table(tuple(rows), tuple(numbers), has_header))


def _is_hidden(node):
    attributes = node.attributes
    return "hidden" in attributes or attributes.get("aria-hidden") == "true"
