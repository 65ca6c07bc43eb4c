"""What each format's reader hands the interpreter: headings and blocks of lines, numbered."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Link:
    """A link as written on the page: its text and its address."""

    title: str
    url: str
    line: int


@dataclass(frozen=True, slots=True)
class Line:
    """One line of text and its number in the source.

    `emphasis` is the text of an emphasised span that ends the line ("Jamie Kiros
    *Deployment lead*"); `is_strong` says the whole line is bold, as a heading
    written in bold is.
    """

    number: int
    text: str
    emphasis: str = ""
    is_strong: bool = False
    links: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading marked as one: Markdown `#`, setext or HTML h1-h6."""

    level: int
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Block:
    """Lines that belong together: a paragraph, or the items of a list (`is_list`)."""

    lines: tuple[Line, ...]
    is_list: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A table's rows of cell texts; the first row is a header when `has_header`."""

    rows: tuple[tuple[str, ...], ...]
    numbers: tuple[int, ...]
    has_header: bool


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something a reader left out on purpose (a code block), told to the editor."""

    line: int
    text: str
    reason: str
