"""What a line of a credits page is: a list of names, a lead line, a heading or prose.

Every reader (plain text, Markdown, HTML) ends up with lines of text; these functions
tell what each one says. They look at words, not at markup: whether each word of a
piece could be part of a person's name, whether a phrase reads like a job title, and
whether a line is a sentence.
"""

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from people.models import Person
from people.sorting import PARTICLES, SUFFIXES, normalize_name, same_name_key

MAX_NAME_LENGTH = Person._meta.get_field("name").max_length
# Longer than any name people write, shorter than a sentence: beyond this a piece of a
# list is not taken for a name, unless it is a list item of its own.
LIKELY_NAME_LENGTH = 80
MAX_NAME_WORDS = 7
# A list this long may hold a few pieces that do not read as names (one in ten).
MIN_LIST_WITH_DOUBTS = 5

# Footnote marks on names: "Alice Smith*", "Bob Jones†‡", "Carol White¹", "Dan Wu^1".
MARK_CHARACTERS = "*†‡§¶‖⁂"
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ⁺"
MARK = re.compile(
    rf"(?:[{re.escape(MARK_CHARACTERS)}]+|[{SUPERSCRIPTS}]+|\^\{{[^{{}}\s]{{1,12}}\}}"
    rf"|\^(?:\w{{1,3}}|[{re.escape(MARK_CHARACTERS)}]+))"
)
TRAILING_MARKS = re.compile(rf"(?:\s*{MARK.pattern})+\s*$")
BRACED_MARKS = re.compile(r"\^\{([^{}]{1,20})\}")
LEADING_MARKS = re.compile(rf"^\s*(?:{MARK.pattern}\s*)+")
# Affiliation digits glued to a name, as papers print them without superscript:
# "Alice Smith1,2" is "Alice Smith" with marks 1 and 2.
GLUED_DIGITS = re.compile(r"(?<=[^\W\d_])(\d{1,2}(?:,\d{1,2})*)(?=[\s,;.]|$)")
# A footnote's own line: "* Equal contribution", "† Work done at Google", "¹ MIT".
LEGEND = re.compile(
    rf"\^?(?P<mark>[{re.escape(MARK_CHARACTERS)}]+|[{SUPERSCRIPTS}]+|\d{{1,2}}\b\.?)\s*"
    rf"(?P<text>[^\W\d_][^{re.escape(MARK_CHARACTERS)}{SUPERSCRIPTS}^]*)"
)

LIST_SEPARATORS = re.compile(r"\s*[;；、]\s*")
COMMA = re.compile(r"\s*[,，]\s*")
AND = re.compile(r"\s+(?:and|&|und|et|y|e)\s+", re.IGNORECASE)
LEADING_AND = re.compile(r"^(?:and|&)\s+", re.IGNORECASE)
BULLET = re.compile(r"^\s*(?:[-*+•·▪◦‣–—]\s+|\d{1,4}[.)]\s+|\(\d{1,4}\)\s+)")
HEADING_NUMBER = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,4}\.|[A-Z]\.)\s+(?=\w)")
QUOTES = "\"'“”‘’«»„"
EMAIL = re.compile(r"\s*[<(]?\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b[>)]?")
TRAILING_BRACKET = re.compile(r"^(?P<name>.*?\S)\s*[(\[](?P<inside>[^()\[\]]*)[)\]]$")
ET_AL = re.compile(r"^(?:et\s+al\.?|and\s+others|others|and\s+more|…|\.\.\.)$", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?…](?:[\"'”’)\]]*)$")
INITIAL = re.compile(r"^(?:[^\W\d_]\.)+(?:-[^\W\d_]\.)*$")

# Words that say "this is a job" at the end of a title ("Optimization lead").
ROLE_WORDS = {
    "lead", "leads", "co-lead", "manager", "director", "chair", "co-chair", "coordinator",
    "head", "engineer", "researcher", "scientist", "advisor", "adviser", "owner", "pi",
    "investigator", "editor", "author", "contributor", "producer", "designer", "developer",
    "architect", "founder", "co-founder", "officer", "ceo", "cto", "coo", "cfo", "president",
    "vp", "maintainer", "reviewer", "intern", "consultant", "liaison", "sponsor", "organizer",
    "organiser", "supervisor", "mentor", "writer", "analyst", "specialist", "captain",
    "principal", "fellow", "member", "staff", "support", "strategist", "counsel", "partner",
}  # fmt: skip
# Words of team and section headings that are not people's names ("User Support").
HEADING_WORDS = {
    "research", "engineering", "infrastructure", "data", "design", "legal", "communications",
    "security", "support", "safety", "policy", "product", "operations", "team", "teams",
    "leads", "leadership", "contributors", "contributions", "contribution", "core",
    "management", "deployment", "evaluation", "evaluations", "evals", "training", "systems",
    "platform", "partners", "partnerships", "acknowledgments", "acknowledgements",
    "acknowledgment", "acknowledgement", "authors", "authorship", "credits", "advisors",
    "alumni", "interns", "marketing", "sales", "finance", "recruiting", "hardware", "software",
    "compute", "inference", "alignment", "pretraining", "post-training", "multimodal",
    "vision", "speech", "models", "model", "api", "applications", "mobile", "backend",
    "frontend", "client", "cluster", "scaling", "quality", "testing", "documentation", "docs",
    "community", "program", "programs", "project", "projects", "strategy", "business",
    "analytics", "science", "scientists", "engineers", "researchers", "members", "group",
    "groups", "lab", "department", "board", "committee", "council", "steering", "founders",
    "organizers", "organisers", "editors", "reviewers", "maintainers", "writers", "producers",
    "cast", "crew", "music", "animation", "production", "post-production", "thanks",
    "additional", "general", "administration", "ops", "teaming", "trust", "launch",
    "correctness", "babysitting", "collaborators", "affiliations", "funding",
    "citation", "citing", "contents", "introduction", "overview", "summary", "appendix",
    "references", "notes", "footnotes", "resources", "license", "contact", "about",
    "published", "updated", "skip", "menu", "navigation", "search", "home", "blog", "news",
    "privacy", "terms", "careers", "pricing", "login", "signup", "tools", "services",
}  # fmt: skip
# Words that make a run of words a sentence rather than a title or a list of names.
FUNCTION_WORDS = {
    "the", "we", "our", "is", "are", "was", "were", "this", "that", "these", "to", "of",
    "for", "with", "by", "as", "it", "its", "their", "they", "you", "your", "please", "who",
    "which", "has", "have", "had", "be", "been", "would", "will", "can", "not", "from", "on",
    "at", "in", "into", "us", "all", "also", "thank", "thanks",
}  # fmt: skip
INVISIBLE = {"Mn", "Cf", "Cc"}
# Most words of names ("Kondraciuk", "McLeavey", "Jean-Luc"), recognised without the slow path.
SIMPLE_NAME_WORD = re.compile(r"[A-Z][a-z]*(?:[A-Z][a-z]+)*(?:[-'’][A-Z][a-z]+)*")
NAME_PARTICLES = PARTICLES | {"y", "e", "ibn", "ben", "bint", "af", "av"}
NAME_SUFFIXES = SUFFIXES | {"jr.,", "sr.,", "phd.", "md", "md."}


@dataclass(frozen=True, slots=True)
class NameItem:
    """A piece of a list of names, cleaned: the name, its marks, a title, what was left out."""

    name: str
    marks: tuple[str, ...] = ()
    title: str = ""
    dropped: str = ""
    is_doubtful: bool = False  # does not read as a name, but stands in a list of names


def words_of(text):
    return text.split()


def clean_text(text):
    """One line's text as compared: NFC, spaces collapsed, bullets and quotes around it removed."""
    text = normalize_name(text)
    text = BULLET.sub("", text)
    return text.strip().strip(QUOTES).strip()


def is_letter(character):
    return unicodedata.category(character).startswith("L")


def is_caseless(word):
    """Whether a word is written in a script without capitals (Chinese, Arabic, Hindi…)."""
    if word.isascii():
        return False
    return word.lower() == word.upper() and any(is_letter(c) for c in word)


@lru_cache(maxsize=100_000)
def is_name_word(word):
    """Whether a word can be part of a person's name as people write it."""
    bare = word.strip(QUOTES + "()[]")
    if not bare:
        return False
    if SIMPLE_NAME_WORD.fullmatch(bare):
        return True
    if bare.casefold() in NAME_SUFFIXES:
        return True
    if INITIAL.match(bare) or re.fullmatch(r"[^\W\d_]", bare):
        return True
    if any(c.isdigit() for c in bare) or not any(is_letter(c) for c in bare):
        return False
    # Invisible and control characters pass here, so that validate_name names them.
    if not all(is_letter(c) or c in "-'’.·" or unicodedata.category(c) in INVISIBLE for c in bare):
        return False
    if bare in NAME_PARTICLES:
        return True
    if is_caseless(bare):
        return True
    # Each part starts with a capital: "Jean-Luc", "O'Brien", "McLeavey", and "d'Alembert".
    for part in re.split(r"[-'’]", bare):
        if part and part[0].islower() and part not in {"d", "l", "o", "de", "al", "el", "ben"}:
            return False
    return bare[0].isupper() or bare[:2] in {"d'", "d’", "l'", "l’"}


def is_name_like(text, known=frozenset()):
    """Whether `text` reads as one person's name ("Diogo Moitinho de Almeida", "Łukasz Mély")."""
    if not text or len(text) > LIKELY_NAME_LENGTH:
        return False
    if same_name_key(text) in known:
        return True
    words = words_of(text)
    if not words or len(words) > MAX_NAME_WORDS:
        return False
    if any(unicodedata.category(c) in ("Cf", "Cc") for c in text):
        # Hidden characters can make a name display as anything: taken as a name, so
        # that the check of names (validate_name) refuses it by name.
        return any(is_letter(c) for c in text)
    if not all(is_name_word(word) for word in words):
        return False
    if words[0] in NAME_PARTICLES and len(words) == 1:
        return False
    folded = [word.strip(QUOTES + "():").casefold() for word in words]
    if any(word in HEADING_WORDS for word in folded):
        return False
    caseless = sum(is_caseless(word) for word in words)
    if caseless and caseless == len(words) and len(text.replace(" ", "")) > 12:
        return False
    return True


def function_words(text):
    """The small words of sentences in `text`: lower case, or the first word ("We", "Will").

    Capitalised inside a text they are more likely names ("Will Smith", "Can Sun").
    """
    words = [word.strip(",.;:!?()\"“”'’") for word in words_of(text)]
    small = {word for word in words if word.islower()}
    if words:
        small.add(words[0].casefold())
    return small & FUNCTION_WORDS


def lowercase_share(words):
    cased = [word for word in words if word[:1].isalpha() and not is_caseless(word)]
    if not cased:
        return 0
    return sum(word[0].islower() for word in cased) / len(cased)


def is_title_like(text):
    """Whether `text` reads as a job title ("Optimization lead", "Overall lead, research lead")."""
    words = words_of(text)
    if not words or len(words) > 12 or len(text) > MAX_NAME_LENGTH:
        return False
    if len(function_words(text)) >= 3 or words[0].casefold() in {"a", "an", "the"}:
        return False
    if is_name_like(text):
        return False
    pieces = split_list(text)
    if len(pieces) > 1 and sum(is_name_like(piece) for piece in pieces) * 2 >= len(pieces):
        return False
    last = words[-1].strip(".,;:").casefold()
    if last in ROLE_WORDS:
        return True
    lowercase = [w for w in words if w[:1].islower() and w not in NAME_PARTICLES]
    return bool(lowercase) or "&" in text or "/" in text or text.isupper()


def is_prose(text):
    """Whether `text` is a sentence or more, rather than a heading, a title or names."""
    words = words_of(text)
    if len(words) < 3:
        return False
    ends_sentence = bool(SENTENCE_END.search(text)) or text.rstrip().endswith(":")
    functions = function_words(text)
    if len(words) >= 6 and len(functions) >= 2 and (ends_sentence or len(words) >= 12):
        return True
    if ends_sentence and len(functions) >= 1 and lowercase_share(words) >= 0.5:
        return True
    return len(words) >= 20 and lowercase_share(words) >= 0.5


def is_heading_like(text):
    """Whether `text` could be a heading: short, no sentence, not a person's name."""
    text = HEADING_NUMBER.sub("", text).rstrip(":").strip()
    words = words_of(text)
    if not words or len(words) > 12 or len(text) > 120:
        return False
    if SENTENCE_END.search(text) and not text.endswith(")"):
        return False
    if not any(is_letter(c) for c in text):
        return False
    return not is_prose(text)


def heading_text(text):
    """A heading as stored: numbering ("2.1 ") and a final colon removed."""
    return HEADING_NUMBER.sub("", clean_text(text)).rstrip(":").strip()


def glue_marks(text):
    """Split marks written with commas: "Smith1,2" and "Smith^{1,2}" are "Smith^1^2"."""
    text = BRACED_MARKS.sub(lambda match: "^" + "^".join(COMMA.split(match.group(1))), text)
    return GLUED_DIGITS.sub(lambda match: "^" + match.group(1).replace(",", "^"), text)


def split_list(text):
    """The pieces of a list of names: split at semicolons, commas, "and" and "&"."""
    text = glue_marks(text)
    parts = LIST_SEPARATORS.split(text)
    if len(parts) > 1 and all(len(COMMA.split(part)) == 2 for part in parts if part.strip()):
        # "Chen, Mark; Chu, Casey": each piece is a name written family name first.
        return [turn_around(part) for part in parts if part.strip()]
    pieces = []
    for part in parts:
        for piece in COMMA.split(part):
            pieces.extend(AND.split(piece))
    return [piece for piece in (LEADING_AND.sub("", p.strip()) for p in pieces) if piece]


def turn_around(text):
    family, _, given = text.partition(",")
    return f"{given.strip()} {family.strip()}".strip()


def strip_marks(text):
    """Return (text without footnote marks, the marks)."""
    marks = []

    def take(match):
        marks.extend(MARK.findall(match.group()))
        return ""

    text = TRAILING_MARKS.sub(take, text)
    text = LEADING_MARKS.sub(take, text)
    text = MARK.sub(take, text) if MARK.search(text) and not is_prose(text) else text
    return " ".join(text.split()), tuple(one for mark in marks for one in _marks(mark))


def _marks(mark):
    """The marks of a run: "†‡" is two marks, "**" one, "^12" one."""
    mark = mark.removeprefix("^").strip("{}")
    if mark[0] in MARK_CHARACTERS + SUPERSCRIPTS and len(set(mark)) > 1:
        return [unicodedata.normalize("NFKC", character) for character in mark]
    return [unicodedata.normalize("NFKC", mark)]


def name_item(piece, known=frozenset()):
    """Clean one piece of a list into a NameItem, or None when it is not a name."""
    text = clean_text(piece).rstrip(".,;:").strip()
    if not text or ET_AL.match(text):
        return None
    dropped = ""
    email = EMAIL.search(text)
    if email:
        dropped = email.group().strip()
        text = EMAIL.sub("", text).strip()
    text, marks = strip_marks(text)
    text = text.strip(QUOTES).rstrip(".,;:").strip()
    title = ""
    bracket = TRAILING_BRACKET.match(text)
    if bracket and same_name_key(text) not in known:
        inside = bracket["inside"].strip()
        text = bracket["name"].rstrip(",").strip()
        if inside and is_title_like(inside):
            title = inside
        elif inside:
            dropped = f"({inside})"
    if not text:
        return None
    return NameItem(text, marks, title, dropped)


def names_in(text, known=frozenset()):
    """The names of a list ("A, B and C"), or None when it is not a list of names.

    In a long list, a few pieces that do not read as names ("Grace Lab") are kept and
    marked doubtful, so that one odd name does not turn a list into something else. A
    piece longer than any name but without sentence marks (a name of 500 letters) is
    returned too, so that the editor is told about it rather than the line skipped.
    """
    pieces = split_list(text)
    items = []
    doubtful = 0
    for piece in pieces:
        item = name_item(piece, known)
        if item is None:
            if ET_AL.match(clean_text(piece).rstrip(".")):
                continue
            return None
        if is_name_like(item.name, known) or _is_overlong_name(item.name):
            items.append(item)
        elif len(pieces) >= MIN_LIST_WITH_DOUBTS and _could_be_name(item.name):
            items.append(replace(item, is_doubtful=True))
            doubtful += 1
        else:
            return None
    if doubtful * 10 > len(items):
        return None
    return items or None


def _could_be_name(text):
    words = words_of(text)
    return (
        0 < len(words) <= MAX_NAME_WORDS
        and len(text) <= LIKELY_NAME_LENGTH
        and any(is_letter(c) for c in text)
        and not any(c in text for c in ".!?:;/@0123456789")
        and not function_words(text)
    )


def _is_overlong_name(text):
    return (
        len(text) > LIKELY_NAME_LENGTH
        and len(words_of(text)) <= MAX_NAME_WORDS
        and not any(c in text for c in ".!?:")
    )


@dataclass(frozen=True, slots=True)
class Lead:
    """A lead line split into the person and their title; `is_sure` when the split is certain."""

    name: str
    title: str
    marks: tuple[str, ...] = ()
    is_sure: bool = True


def parse_lead(text, emphasis="", known=frozenset()):
    """Split a lead line ("Name, Title", "Name — Title", "Title: Name", "Name (Title)"…) or None."""
    text = clean_text(text)
    if emphasis and text.endswith(emphasis) and len(emphasis) < len(text):
        name = _name_part(text[: -len(emphasis)].rstrip(" ,:—–-"), known)
        if name and emphasis.strip():
            return Lead(name[0], clean_text(emphasis).strip("()"), name[1])
    if is_prose(text):
        return None
    bracket = TRAILING_BRACKET.match(text)
    if bracket:
        name = _name_part(bracket["name"].rstrip(","), known)
        if name and is_title_like(bracket["inside"]):
            return Lead(name[0], bracket["inside"].strip(), name[1])
    for separator in (" — ", " – ", " - ", ": ", ", ", "\t"):
        left, found, right = text.partition(separator)
        if not found:
            continue
        left, right = left.strip(), right.strip()
        name = _name_part(left, known)
        if name and is_title_like(right):
            return Lead(name[0], right.rstrip("."), name[1])
        name = _name_part(right, known)
        if separator != ", " and name and is_title_like(left):
            return Lead(name[0], left, name[1])
    return _unseparated_lead(text, known)


def _name_part(text, known):
    """(name, marks) when `text` is one person's name, else None.

    A single word is a name only when the page lists it as one elsewhere: "Sparrow: a
    small model" is a title, not a lead line.
    """
    item = name_item(text, known)
    if item is None or item.title or item.dropped:
        return None
    if same_name_key(item.name) in known or (
        len(words_of(item.name)) > 1 and is_name_like(item.name)
    ):
        return item.name, item.marks
    return None


def _unseparated_lead(text, known):
    """ "Jamie Kiros Deployment research & evals lead": a name known from the page, then a title.

    Without a name known from the page's lists, the title must end in a word such as
    "lead" or "manager", and the split is reported as a guess.
    """
    words = words_of(text)
    for end in range(min(len(words) - 1, MAX_NAME_WORDS), 0, -1):
        head = " ".join(words[:end])
        bare, marks = strip_marks(head)
        if same_name_key(bare) in known and is_title_like(" ".join(words[end:])):
            return Lead(bare, " ".join(words[end:]), marks)
    if words and words[-1].casefold() in ROLE_WORDS:
        for end in range(min(4, len(words) - 1), 1, -1):
            head = " ".join(words[:end])
            bare, marks = strip_marks(head)
            rest = " ".join(words[end:])
            if is_name_like(bare) and is_title_like(rest) and not words[end][:1].islower():
                return Lead(bare, rest, marks, is_sure=False)
    return None


def legends(text):
    """[(mark, explanation)] for a line of footnotes ("* Equal contribution. † Lead")."""
    found = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = LEGEND.match(text, position)
        if match is None:
            return []
        explanation = match["text"].strip().rstrip(".").strip()
        if not explanation or is_name_like(explanation):
            return []
        found.append((_marks(match["mark"].rstrip("."))[0], explanation))
        position = match.end()
        while position < len(text) and text[position] == " ":
            position += 1
    return found
