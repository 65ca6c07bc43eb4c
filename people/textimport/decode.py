"""From an upload or a paste to text: refuse what is not UTF-8 text, and tell the format."""

import codecs
import re

from charset_normalizer import from_bytes

from people.spreadsheet.format import is_too_large, size_limit

PLAIN, MARKDOWN, HTML, CFF, BIBTEX = "text", "markdown", "html", "cff", "bibtex"
FORMATS = [
    ("", "Recognise it"),
    (PLAIN, "Plain text"),
    (MARKDOWN, "Markdown"),
    (HTML, "HTML (a saved web page)"),
    (CFF, "CITATION.cff"),
    (BIBTEX, "BibTeX"),
]
EXTENSIONS = {
    ".txt": PLAIN,
    ".text": PLAIN,
    ".md": MARKDOWN,
    ".markdown": MARKDOWN,
    ".html": HTML,
    ".htm": HTML,
    ".xhtml": HTML,
    ".cff": CFF,
    ".bib": BIBTEX,
}
SAVE_AS_TEXT = "Save the page as text, Markdown or HTML (UTF-8) and try again."
# The first bytes of files that are not text, and what they are.
SIGNATURES = [
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (a Word, OpenDocument or Excel file is one)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"SQLite format 3", "a SQLite database"),
]
HTML_START = re.compile(
    r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|div|p|h[1-6]|ul|ol|table|section|article|main)\b",
    re.IGNORECASE | re.DOTALL,
)
HTML_TAGS = re.compile(r"</(?:p|li|h[1-6]|div|td|tr|ul|ol|span|a|section)>", re.IGNORECASE)
MARKDOWN_SIGNS = re.compile(
    r"^(?:#{1,6}\s+\S|[-*+]\s+\S|\d+\.\s+\S|\|.*\|\s*$|=+\s*$|-{3,}\s*$)|\*\*\S|\[[^\]]+\]\([^)]+\)",
    re.MULTILINE,
)
BIBTEX_ENTRY = re.compile(r"^\s*@[a-zA-Z]+\s*[{(]", re.MULTILINE)
COMMON_ENCODINGS = {
    "cp1252": "Windows-1252",
    "latin_1": "Latin-1 (ISO-8859-1)",
    "iso8859_15": "Latin-9 (ISO-8859-15)",
    "cp1250": "Windows-1250",
    "cp1251": "Windows-1251",
    "cp932": "Shift JIS",
    "shift_jis": "Shift JIS",
    "gb18030": "GB18030",
    "gbk": "GBK",
    "big5": "Big5",
    "euc_kr": "EUC-KR",
    "euc_jp": "EUC-JP",
    "koi8_r": "KOI8-R",
    "mac_roman": "Mac Roman",
    "utf_16": "UTF-16",
}
CFF_VERSION = re.compile(r"^cff-version\s*:", re.MULTILINE)


class TextImportError(Exception):
    """The text cannot be imported; nothing was written."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("\n".join(self.messages))


def decode(data):
    """Return the text of `data` (bytes), or raise TextImportError saying what it is instead."""
    if is_too_large(len(data)):
        raise TextImportError(
            f"The text is {len(data):,} bytes; the largest you can import is {size_limit()}."
        )
    for signature, what in SIGNATURES:
        if data.startswith(signature):
            raise TextImportError(f"This file is {what}, not text. {SAVE_AS_TEXT}")
    for bom, name in (
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
        (codecs.BOM_UTF32_LE, "UTF-32"),
    ):
        if data.startswith(bom) and not data.startswith(codecs.BOM_UTF8):
            raise TextImportError(f"This file is {name}, not UTF-8. {SAVE_AS_TEXT}")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if b"\x00" in data[:65536]:
        raise TextImportError(f"This file is binary (it has NUL bytes), not text. {SAVE_AS_TEXT}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TextImportError(
            f"This file is not UTF-8: byte {error.start + 1:,} ({data[error.start]:#04x}) "
            f"is not valid UTF-8{_looks_like(data)}. {SAVE_AS_TEXT}"
        ) from error
    controls = sum(1 for character in text[:65536] if _is_control(character))
    if controls > max(8, len(text[:65536]) // 100):
        raise TextImportError(
            f"This file is binary (it has {controls} control characters), not text. {SAVE_AS_TEXT}"
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise TextImportError("The text is empty: paste the page's text or choose a file.")
    return text


def _is_control(character):
    return (character < " " and character not in "\t\n\r\f\v") or "\x7f" <= character <= "\x9f"


def _looks_like(data):
    """ ", it looks like Windows-1252" when charset-normalizer recognises the encoding.

    Of the encodings that decode the text equally well, the most widely used is named.
    """
    candidates = [match.encoding for match in from_bytes(data[:65536])]
    if not candidates or candidates[0] in {"utf_8", "ascii"}:
        return ""
    encoding = next((name for name in COMMON_ENCODINGS if name in candidates), candidates[0])
    return f"; it looks like {COMMON_ENCODINGS.get(encoding, encoding.replace('_', '-'))}"


def detect_format(text, filename=""):
    """The format of `text`: from the file's extension, else from what the text looks like."""
    for extension, format_name in EXTENSIONS.items():
        if filename.lower().endswith(extension):
            return format_name
    if filename.endswith("CITATION.cff") or CFF_VERSION.search(text[:4096]):
        return CFF
    start = text[:65536]
    if HTML_START.match(start) or len(HTML_TAGS.findall(start)) >= 3:
        return HTML
    if BIBTEX_ENTRY.match(start):
        return BIBTEX
    if len(MARKDOWN_SIGNS.findall(start)) >= 2:
        return MARKDOWN
    return PLAIN
