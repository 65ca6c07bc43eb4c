"""The notes a page writes in sentences: how to cite it, its order, who assembled it, thanks."""

import re

from people.textimport.names import clean_text, is_name_like, names_in

SENTENCE_BREAK = re.compile(r"(?<=[.!?…])([”\"’)\]]*)\s+(?=[A-Z“\"‘(À-Þ])")
CITE = re.compile(
    r"\bcit(?:e|ing|ation)\b.*?\bas\s*:?\s*"
    r"(?:[“\"‘'«](?P<quoted>[^”\"’'»]{1,200})[”\"’'»]|(?P<plain>[^.;]{1,200}?(?:\(\d{4}\))?)\s*(?:[.;]|$))",
    re.IGNORECASE,
)
ORDER = re.compile(
    r"\b(?:sorted|listed|ordered|arranged|appear|given|presented|are\s+in)\b.{0,40}?"
    r"\b(?:alphabetic(?:al(?:ly)?)?|random(?:ly)?|by\s+(?:contribution|surname|last\s+name|family\s+name))"
    r"|\b(?:alphabetical|random|reverse|no\s+particular)\s+order\b",
    re.IGNORECASE,
)
ASSEMBLED = re.compile(
    r"[,;]?\s*(?:and\s+)?(?:(?:were|was|is|are)\s+)?"
    r"\b(?:assembled|compiled|curated|collected|maintained|prepared|put\s+together)\s+by\s+"
    r"(?P<name>[^.,;]+)",
    re.IGNORECASE,
)
THANKS = re.compile(
    r"\b(?:thank|thanks|grateful|gratitude|acknowledge|appreciat\w*|indebted)\b", re.IGNORECASE
)
ACKNOWLEDGMENT_HEADING = re.compile(
    r"^(?:special\s+|additional\s+|other\s+)?(?:acknowledg(?:e)?ments?|thanks|thank\s+you|with\s+thanks|gratitude)$",
    re.IGNORECASE,
)
NAVIGATION = re.compile(
    r"^(?:skip\s+to\s+(?:main\s+)?(?:content|navigation|main)|jump\s+to\s+content|menu|main\s+menu|"
    r"open\s+menu|close|search|home|log\s*in|sign\s+in|sign\s+up|back\s+to\s+top|share|toggle\s+navigation)$",
    re.IGNORECASE,
)


def sentences(text):
    """Split prose into sentences, keeping each one's closing punctuation and quotes."""
    parts = SENTENCE_BREAK.split(text)
    # re.split returns the captured closing quotes between the sentences.
    result = []
    for index in range(0, len(parts), 2):
        sentence = parts[index] + (parts[index + 1] if index + 1 < len(parts) else "")
        if sentence.strip():
            result.append(sentence.strip())
    return result


def citation(sentence):
    """The citation a sentence asks for ("please cite this work as “OpenAI (2023)”"), or ""."""
    match = CITE.search(sentence)
    if match is None:
        return ""
    return clean_text(match["quoted"] or match["plain"] or "").rstrip(".")


def ordering_and_assembler(sentence):
    """(ordering note, assembler's name) a sentence gives; either may be ""."""
    name = ""
    assembled = ASSEMBLED.search(sentence)
    if assembled and is_name_like(clean_text(assembled["name"])):
        name = clean_text(assembled["name"])
        sentence = (sentence[: assembled.start()] + sentence[assembled.end() :]).strip()
    note = ""
    if ORDER.search(sentence):
        note = sentence.rstrip(" .,;") + "."
    return note, name


def names_at_end(text, known=frozenset()):
    """(prose, names) for "We thank the following red teamers: A, B and C.", else None."""
    head, colon, tail = text.rpartition(":")
    if not colon or not head.strip():
        return None
    items = names_in(tail.strip().rstrip("."), known)
    if not items:
        return None
    return head.strip() + ":", items


def is_thanks(text):
    return bool(THANKS.search(text))


def is_acknowledgment_heading(text):
    return bool(ACKNOWLEDGMENT_HEADING.match(text.strip().rstrip(":")))


def is_navigation(text):
    return bool(NAVIGATION.match(text.strip()))
