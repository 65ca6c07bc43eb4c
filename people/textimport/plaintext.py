"""Plain text into blocks: paragraphs end at blank lines; an underlined line is a heading."""

import re

from people.textimport.blocks import Block, Heading, Line

UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")


def read_blocks(text):
    """The blocks of plain text, each line with its number (the first line is 1)."""
    blocks = []
    lines = []
    source = text.split("\n")
    for index, raw in enumerate(source):
        number = index + 1
        underline = UNDERLINE.match(raw)
        if underline and lines and len(underline.group(1)) >= 3 and len(lines) == 1:
            # "Title\n=====" (setext style, as people underline a heading in a text file).
            level = 1 if underline.group(1)[0] == "=" else 2
            blocks.append(Heading(level, lines[0].text, lines[0].number))
            lines = []
            continue
        if raw.strip():
            lines.append(Line(number, raw.strip()))
        elif lines:
            blocks.append(Block(tuple(lines)))
            lines = []
    if lines:
        blocks.append(Block(tuple(lines)))
    return blocks
