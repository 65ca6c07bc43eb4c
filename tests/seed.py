"""A parser of the seed text of the GPT-4V credits page (fixtures/seed/gpt4v-credits.txt).

The text is made of blocks separated by blank lines. Names keep the seed's spelling and
order, defects included: the tests compare the rendered page against what the seed says.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

# A copy of the team's shared seed, kept in the repository so the tests run in any clone.
SEED_PATH = Path(settings.BASE_DIR) / "fixtures/seed/gpt4v-credits.txt"

# The plain text lost five group headings that the published page shows (see
# fixtures/seed/NOTES.md). Keyed by section and the group's first name as the seed
# spells it; "" is the group that has no heading on the published page either.
LOST_HEADINGS = {
    ("Research contributions", "Alex Karpenko"): "Data",
    ("Deployment contributions", "Maddie Simens"): "Design",
    ("Additional contributions", "Greg Brockman"): "",
    ("Additional contributions", "Eric Antonow"): "Communications",
    ("Additional contributions", "Ashley Pantuliano"): "Legal",
}


@dataclass
class SeedTeam:
    name: str
    members: list[str]


@dataclass
class SeedSection:
    title: str
    leads: list[tuple[str, str]] = field(default_factory=list)
    teams: list[SeedTeam] = field(default_factory=list)


@dataclass
class SeedAcknowledgment:
    text: str
    names: list[str]


@dataclass
class Seed:
    title: str
    intro: str
    closing_text: str
    citation: str
    assembled_by: str
    sections: list[SeedSection]
    acknowledgments: list[SeedAcknowledgment]


def split_names(line):
    return [name.strip() for name in line.split(",") if name.strip()]


def parse_seed(text):
    """Return the page described by the seed text, with the lost headings restored."""
    blocks = [block.splitlines() for block in re.split(r"\n\s*\n", text.strip())]
    if blocks[0] == ["Skip to main content"]:
        blocks.pop(0)
    title, intro, closing_text, authorship, citation_text = (b[0] for b in blocks[:5])
    if authorship != "Authorship, credit attribution, and acknowledgments":
        raise ValueError(f"Expected the authorship heading, found {authorship!r}")
    citation = re.search(r"“(.+?)”", citation_text).group(1)
    assembled_by = re.search(r"assembled by (.+?)\.$", citation_text).group(1)

    body = blocks[5:]
    team_names = {
        name for block in body for line in block if "," in line for name in split_names(line)
    }
    sections, acknowledgments = [], []
    for block in body:
        if len(block) == 1 and block[0].endswith(" contributions"):
            sections.append(SeedSection(block[0]))
        elif len(block) == 1 and block[0].endswith("."):
            text, _, names = block[0].rpartition(": ")
            if text:
                acknowledgments.append(SeedAcknowledgment(text + ":", split_names(names[:-1])))
            else:
                acknowledgments.append(SeedAcknowledgment(block[0], []))
        elif acknowledgments or not sections:
            raise ValueError(f"Unexpected block: {block!r}")
        elif not sections[-1].leads and not sections[-1].teams and _is_leads(block, team_names):
            sections[-1].leads = [_split_lead(line, team_names) for line in block]
        elif len(block) == 2:
            sections[-1].teams.append(SeedTeam(block[0], split_names(block[1])))
        elif len(block) == 1:
            members = split_names(block[0])
            key = (sections[-1].title, members[0])
            if key not in LOST_HEADINGS:
                raise ValueError(f"A group without a heading that NOTES.md does not name: {key}")
            sections[-1].teams.append(SeedTeam(LOST_HEADINGS[key], members))
        else:
            raise ValueError(f"Unexpected block: {block!r}")
    return Seed(title, intro, closing_text, citation, assembled_by, sections, acknowledgments)


def _lead_name(line, team_names):
    """The longest run of leading words that is a name listed in some team, or None."""
    words = line.split()
    for end in range(len(words) - 1, 0, -1):
        if " ".join(words[:end]) in team_names:
            return " ".join(words[:end])
    return None


def _is_leads(block, team_names):
    return all(_lead_name(line, team_names) for line in block)


def _split_lead(line, team_names):
    name = _lead_name(line, team_names)
    return name, line[len(name) :].strip()


def load_seed(path=SEED_PATH):
    return parse_seed(Path(path).read_text(encoding="utf-8"))
