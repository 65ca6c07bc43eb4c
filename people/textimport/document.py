"""A credits page as the text import understands it, every part with the line it came from."""

from dataclasses import dataclass, field

from people.textimport.blocks import Link


@dataclass(frozen=True, slots=True)
class Member:
    """A person named on the page, with a title when the page gives one."""

    name: str
    line: int
    title: str = ""
    other_order: str = ""  # the name family name first, from an author list that splits it


@dataclass(frozen=True, slots=True)
class LostHeading:
    """A group of names with no heading of its own, where the page probably lost one."""

    line: int
    section: str
    after: str  # the heading of the group before it; "" when directly under the section
    after_line: int
    position: int  # the group's place among its section's groups, from 1

    def __str__(self):
        if self.position == 1:
            return (
                f"names directly under the section ‘{self.section}’ (line {self.after_line}), "
                "before its teams — heading lost?"
            )
        after = f"‘{self.after}’" if self.after else "the group without a heading"
        return f"a group without a heading after {after} (line {self.after_line}) — heading lost?"


@dataclass
class Group:
    """A team: its heading ("" for the section's group without one) and its members."""

    heading: str
    line: int
    members: list[Member] = field(default_factory=list)
    lost: LostHeading | None = None


@dataclass
class Section:
    title: str
    line: int
    leads: list[Member] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)


@dataclass
class Acknowledgment:
    """A paragraph of thanks and the people it names."""

    text: str
    line: int
    names: list[Member] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Note:
    """A line the reader was not sure of, or left out: what it says and what it was taken for."""

    line: int
    text: str
    taken_for: str


@dataclass(frozen=True, slots=True)
class MarkCount:
    """A footnote mark found on names, how many carried it, and its footnote when found."""

    mark: str
    count: int
    legend: str


@dataclass
class Document:
    """Everything read from a page: its credits and what the spreadsheet format cannot carry."""

    format: str
    title: str = ""
    intro: list[str] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    citation: str = ""
    ordering_note: str = ""
    assembled_by: Member | None = None
    sections: list[Section] = field(default_factory=list)
    acknowledgments: list[Acknowledgment] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    marks: list[MarkCount] = field(default_factory=list)
    problems: list[Note] = field(default_factory=list)
    marked_names: int = 0

    @property
    def lost_headings(self):
        return [
            (section, group)
            for section in self.sections
            for group in section.groups
            if group.lost is not None
        ]

    def marks_summary(self):
        """ "12 names carried footnote marks…: * = Equal contribution (12)" """
        legends = ", ".join(
            f"{mark.mark} = {mark.legend or '?'} ({mark.count})" for mark in self.marks
        )
        return f"{self.marked_names} names carried footnote marks, left out of the names: {legends}"

    @property
    def credit_count(self):
        return sum(
            len(section.leads) + sum(len(group.members) for group in section.groups)
            for section in self.sections
        )
