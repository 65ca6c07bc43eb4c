"""Sort keys for people's names: family name first, case- and accent-insensitive.

Names are filed as a careful editor files them (Chicago Manual of Style, library
practice): by family name, then given names; word by word, each word letter by
letter, ignoring case, accents, apostrophes and hyphens ("D'Angelo" files as
"DAngelo", after "Dalton"). The rules cannot know every name: sort_doubts() says
which names an editor should check.
"""

import re
import unicodedata
from dataclasses import dataclass

from anyascii import anyascii

# Lower-case particles that start a family name ("Diogo Moitinho de Almeida",
# "Ludwig van Beethoven"). They are not sorted on: the page sorts under the name
# that follows them. Capitalised ones ("De Vries") are part of the family name.
PARTICLES = {
    "al", "bin", "binti", "da", "das", "de", "degli", "dei", "del", "della", "der",
    "di", "do", "dos", "du", "el", "la", "le", "st", "ten", "ter", "van", "von", "zu",
}  # fmt: skip
SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "ph.d."}
FAMILY_SEPARATOR = re.compile(r"\s*,\s*")
BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|\"[^\"]*\"")
# Not sorted on, as fold() writes them: apostrophes (' ’ ʼ ‘ all become "'"), the
# ʻ and ʿ of transliterations (which become "`") and hyphens and dashes ("-").
UNSORTED_MARKS = str.maketrans("", "", "'`-")
# The Arabic article at the start of a family name, folded: "al-Hakim" files under H
# (Chicago Manual of Style; library practice), however it is capitalised ("Al-Hakim",
# "El-Baradei"). Written as a word of its own, a lower-case "al" is a particle like
# "de"; a capitalised "Al" ("Al Saud", "family of") belongs to the family name.
ARABIC_ARTICLE = re.compile(r"^(?:al|el)-(?=\S)")
# "F.", "J.R.", "F": an initial, which cannot be a family name of its own.
INITIAL = re.compile(r"(?:\w\.)+|\w")


def normalize_name(name):
    """Return `name` as stored: NFC, trimmed, inner white space collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def lower(text):
    """Return `text` in lower case as the database's LOWER() writes it, one character at a time.

    The unique constraints on names compare LOWER(name), so "same name" in Python must lower
    as PostgreSQL does (in a UTF-8 locale), and SQLite is given this function as its LOWER
    (people/apps.py). str.lower() differs in two places: it writes a final capital sigma as ς,
    and İ as i with a combining dot; PostgreSQL writes σ and i.
    """
    if text.isascii():
        return text.lower()
    return "".join(character.lower() for character in text.replace("İ", "i"))


def visible(text):
    """Return `text` without its invisible format characters, for comparing what readers see.

    Drops zero-width spaces and joiners, soft hyphens, text-direction marks and tag
    characters (Unicode category Cf). Not for stored names: there a joiner can be part
    of the spelling (Persian, Indic scripts).
    """
    if text.isascii():
        # No character of ASCII is a format character: most names are quick to check.
        return text
    return "".join(character for character in text if unicodedata.category(character) != "Cf")


def same_name_key(text):
    """Return `text` as names are matched: two names are the same name when their keys are equal.

    Ignores case as the database's unique constraints do ("ÉLODIE" is "élodie", but "STRASSE"
    is not "straße"); accents are kept: "José Pérez" and "José Perez" are not the same name,
    only look-alikes.
    """
    return lower(normalize_name(text))


def fold(text):
    """Return `text` for case- and accent-insensitive comparison ("Łukasz" -> "lukasz").

    Invisible characters are left out: a zero-width space cannot tell two names apart.
    """
    return anyascii(normalize_name(visible(text))).casefold()


def name_words(name):
    """Return the words of `name` that sort: without nicknames in brackets or suffixes ("Jr.")."""
    words = BRACKETED.sub(" ", normalize_name(name)).split()
    while len(words) > 1 and words[-1].casefold().rstrip(",") in SUFFIXES:
        words.pop()
    if words:
        # "John Smith, Jr." leaves "Smith," behind, which would sort after every other Smith.
        words[-1] = words[-1].rstrip(",")
    return words


def family_first(given, family):
    """Return "Family, Given" from lists of words; a family's lower-case particles go last.

    `family_first(["Diogo", "Moitinho"], ["de", "Almeida"])` is "Almeida, Diogo Moitinho de";
    with no given names, the family name alone.
    """
    family = list(family)
    particles = []
    while len(family) > 1 and family[0] in PARTICLES:
        particles.append(family.pop(0))
    if not given and not particles:
        return " ".join(family)
    return f"{' '.join(family)}, {' '.join([*given, *particles])}"


def default_sort_name(name):
    """Return "Family, Given" for a display name, e.g. "Almeida, Diogo Moitinho de"."""
    words = name_words(name)
    family_start = len(words) - 1
    for index in range(1, len(words) - 1):
        if words[index].casefold() in PARTICLES:
            family_start = index
            break
    return family_first(words[:family_start], words[family_start:])


def split_at_family_name(name, family_name):
    """Return (given words, family words) of `name`, or None when `family_name` is not in it.

    The family name is matched as whole words, ignoring case, the last match first
    ("Zhang" in "Zhang Wei", "García Márquez" in "Gabriel García Márquez"). In a
    name of one word ("村上春樹", a script written without spaces) it may be the
    start or the end of that word.
    """
    words = name_words(name)
    family = normalize_name(family_name).split()
    if not family:
        return None
    wanted = [same_name_key(word) for word in family]
    keys = [same_name_key(word) for word in words]
    for start in range(len(words) - len(family), -1, -1):
        if keys[start : start + len(family)] == wanted:
            return words[:start] + words[start + len(family) :], words[start : start + len(family)]
    if len(words) == 1 and len(family) == 1 and words[0] != family[0]:
        word, part = words[0], family[0]
        if word.startswith(part):
            return [word.removeprefix(part)], [part]
        if word.endswith(part):
            return [word.removesuffix(part)], [part]
    return None


def family_name_sort_name(name, family_name):
    """Return "Family, Given" for `name` whose family name is `family_name`.

    The rules' sort name when `family_name` is not part of the name (which the
    Person form refuses).
    """
    parts = split_at_family_name(name, family_name)
    if parts is None:
        return default_sort_name(name)
    return family_first(*parts)


def sort_name_used(name, sort_name="", family_name=""):
    """Return what a person sorts by: their sort name, else "Family, Given" from their
    family name, else from the rules."""
    if sort_name:
        return sort_name
    if family_name:
        return family_name_sort_name(name, family_name)
    return default_sort_name(name)


def sort_fold(text):
    """Return `text` as sort keys hold it: folded, without apostrophes and hyphens."""
    return fold(text).translate(UNSORTED_MARKS)


def sort_key(name, sort_name="", family_name=""):
    """Return the key people are ordered by: the folded sort name, family first.

    The comma between family and given names becomes a tab, which sorts before
    every letter and space, so "Oliveira, Ana" comes before "Oliveira Pinto, H".
    An Arabic article starting the family name is left out ("al-Hakim, Tawfiq"
    is "hakim\ttawfiq"), then apostrophes and hyphens.
    """
    family, *given = FAMILY_SEPARATOR.split(fold(sort_name_used(name, sort_name, family_name)), 1)
    family = ARABIC_ARTICLE.sub("", family)
    return "\t".join(part.translate(UNSORTED_MARKS) for part in [family, *given])


# Names the rules are unsure about

LONG = "long"
SCRIPT = "script"
SINGLE = "single"
DOUBT_KINDS = {
    LONG: "Three or more words",
    SCRIPT: "Not in Latin, Greek or Cyrillic letters",
    SINGLE: "A single word",
}
SORTED_SCRIPTS = {"LATIN", "GREEK", "CYRILLIC"}
# Words of Unicode character names that name a script otherwise than its first word does.
SCRIPT_NAMES = {"CJK": "Han", "HIRAGANA": "Kana", "KATAKANA": "Kana", "HANGUL": "Hangul"}


@dataclass(frozen=True)
class Doubt:
    """Why the rules may sort a name wrongly: a `kind` (of DOUBT_KINDS) and `text` for editors."""

    kind: str
    text: str


def letter_script(character):
    """Return the script of a letter, e.g. "Han"; None for Latin, Greek and Cyrillic letters."""
    words = unicodedata.name(character, "").split()
    for word in words:
        if word in SORTED_SCRIPTS:
            return None
        if word in SCRIPT_NAMES:
            return SCRIPT_NAMES[word]
    return words[0].title() if words else None


def other_scripts(text):
    """Return the scripts of the letters of `text` but Latin, Greek and Cyrillic, in order."""
    if text.isascii():
        return []
    scripts = []
    for character in text:
        # Modifier letters (ʼ, the Kana prolonged sound mark) belong to no one script.
        if unicodedata.category(character) in ("Lu", "Ll", "Lt", "Lo"):
            script = letter_script(character)
            if script and script not in scripts:
                scripts.append(script)
    return scripts


def script_doubt(script):
    if script == "Han":
        # anyascii reads every Han character as Chinese: 村上春樹 (Murakami Haruki) is "CunShang…".
        return Doubt(
            SCRIPT, "Han script: sorted by its Chinese readings, even a Japanese name in Kanji."
        )
    return Doubt(SCRIPT, f"{script} script: sorted by a transliteration into Latin letters.")


def sort_doubts(name, sort_name="", family_name=""):
    """Return why the sort of a person may be wrong, as a list of Doubts (empty when none).

    A name is doubtful when it has three or more words (initials aside) and no
    particle: which of them are the family name? Or a single word: a name of its
    own, or a family name alone? A sort name or a family name settles both. And
    whatever sorts in letters other than Latin, Greek or Cyrillic is sorted by a
    transliteration, which only a sort name in those letters settles.
    """
    sorted_words = name_words(sort_name) if sort_name else name_words(name)
    doubts = [script_doubt(script) for script in other_scripts(" ".join(sorted_words))]
    if sort_name or family_name:
        return doubts
    words = name_words(name)
    full_words = [word for word in words if not INITIAL.fullmatch(word)]
    has_particle = any(word.casefold() in PARTICLES for word in words[1:-1])
    if len(full_words) >= 3 and not has_particle:
        doubts.append(Doubt(LONG, "Three or more words: which of them are the family name?"))
    if len(words) == 1 and not doubts:
        doubts.append(Doubt(SINGLE, "A single word: a name of its own, or a family name alone?"))
    return doubts
