"""Sort keys for people's names: family name first, case- and accent-insensitive."""

import re
import unicodedata

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


def default_sort_name(name):
    """Return "Family, Given" for a display name, e.g. "Almeida, Diogo Moitinho de"."""
    words = BRACKETED.sub(" ", normalize_name(name)).split()
    if not words:
        return ""
    while len(words) > 1 and words[-1].casefold().rstrip(",") in SUFFIXES:
        words.pop()
    # "John Smith, Jr." leaves "Smith," behind, which would sort after every other Smith.
    words[-1] = words[-1].rstrip(",")
    if len(words) == 1:
        return words[0]
    family_start = len(words) - 1
    for index in range(1, len(words) - 1):
        if words[index].casefold() in PARTICLES:
            family_start = index
            break
    particles = []
    while family_start < len(words) - 1 and words[family_start] in PARTICLES:
        particles.append(words[family_start])
        family_start += 1
    family = " ".join(words[family_start:])
    given = " ".join(words[: len(words) - len(words[family_start:]) - len(particles)] + particles)
    return f"{family}, {given}"


def sort_key(name, sort_name=""):
    """Return the key people are ordered by: the folded sort name, family first.

    The comma between family and given names becomes a tab, which sorts before
    every letter and space, so "Oliveira, Ana" comes before "Oliveira Pinto, H".
    """
    return FAMILY_SEPARATOR.sub("\t", fold(sort_name or default_sort_name(name)), count=1)
