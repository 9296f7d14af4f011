"""Text ciphers a model reads without being asked: ROT13/Caesar, atbash, Morse, braille,
leetspeak, reversed text, URL-encoding, quoted-printable, and letters spelled out one by one
(acrostics, NATO words, string pieces glued together).

Each decoder is cheap, returns candidate plain texts (never a verdict) and proposes a candidate
only when the text carries the cipher's mark, so honest prose costs a few regex passes. The
detector re-scans every candidate with all its rules (``guards.heuristics``): a decoding that
reads as ordinary text, like a reversed sentence of prose, flags nothing by itself.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from urllib.parse import unquote

from guards.text_codecs import decode_quoted_printable

# Words an instruction aimed at a model almost always contains; a shifted or reversed text is
# only a candidate when at least two of them appear in it (``_enough_triggers``).
_TRIGGERS = (
    "ignore",
    "disregard",
    "forget",
    "instruction",
    "instructions",
    "previous",
    "prompt",
    "system",
    "password",
    "reveal",
    "secret",
    "pretend",
    "override",
    "bypass",
    "rules",
    "above",
    "print",
    "say",
    "now",
    "you",
    "all",
    "your",
)
_TRIGGER_WORDS = frozenset(_TRIGGERS)
_STRONG_TRIGGERS = frozenset(_TRIGGERS[:15])
_WORD = re.compile(r"[a-z]+")

_LOWER = string.ascii_lowercase
_UPPER = string.ascii_uppercase


def _shift_table(shift: int) -> dict[int, int]:
    lower = _LOWER[shift:] + _LOWER[:shift]
    upper = _UPPER[shift:] + _UPPER[:shift]
    return str.maketrans(_LOWER + _UPPER, lower + upper)


_SHIFTS = tuple(_shift_table(s) for s in range(1, 26))
ROT13 = _SHIFTS[12]


def _enough_triggers(text: str) -> bool:
    """Two distinct trigger words, one of them strong: "you … all" alone is everyday prose."""
    words = set(_WORD.findall(text.lower())) & _TRIGGER_WORDS
    return len(words) >= 2 and bool(words & _STRONG_TRIGGERS)


_STRONG = re.compile(r"\b(?:" + "|".join(_TRIGGERS[:15]) + r")\b")


def caesar(text: str) -> list[str]:
    """Every shift (ROT13 is shift 13) that turns the text's letters into trigger words.

    One C-level translate and regex search per shift; the word check runs only on a hit."""
    lower = text.lower()
    found: list[str] = []
    for table in _SHIFTS:
        plain = lower.translate(table)
        if _STRONG.search(plain) and _enough_triggers(plain):
            found.append(plain)
    return found


ATBASH = str.maketrans(_LOWER + _UPPER, _LOWER[::-1] + _UPPER[::-1])
"""The alphabet read backwards (a↔z, b↔y …): its own inverse."""


def atbash(text: str) -> list[str]:
    """The text with its alphabet mirrored, when that turns its letters into trigger words."""
    plain = text.lower().translate(ATBASH)
    return [plain] if _STRONG.search(plain) and _enough_triggers(plain) else []


# Script markup a substitution can hide: "<fpevcg>" is ROT13 "<script>".
_SCRIPT_MARK = re.compile(r"<\s*script\b|\bjavascript\s*:|\bon(?:error|load)\s*=")


def substituted_script(text: str) -> list[str]:
    """ROT13 or atbash of a text with markup, when that turns it into script markup (an XSS
    payload in disguise); only these two, so a long chunk pays two passes, not twenty-five."""
    if "<" not in text and ":" not in text and "=" not in text:
        return []
    lower = text.lower()
    found: list[str] = []
    for table in (ROT13, ATBASH):
        plain = lower.translate(table)
        if _SCRIPT_MARK.search(plain) and not _SCRIPT_MARK.search(lower):
            found.append(plain)
    return found


def reversed_text(text: str) -> list[str]:
    """The text read backwards, and each word read backwards in place."""
    found: list[str] = []
    for plain in (text[::-1], " ".join(word[::-1] for word in text.split(" "))):
        if _enough_triggers(plain) and not _enough_triggers(text):
            found.append(plain)
    return found


_MORSE = {
    ".-": "a", "-...": "b", "-.-.": "c", "-..": "d", ".": "e", "..-.": "f", "--.": "g",
    "....": "h", "..": "i", ".---": "j", "-.-": "k", ".-..": "l", "--": "m", "-.": "n",
    "---": "o", ".--.": "p", "--.-": "q", ".-.": "r", "...": "s", "-": "t", "..-": "u",
    "...-": "v", ".--": "w", "-..-": "x", "-.--": "y", "--..": "z", "-----": "0",
    ".----": "1", "..---": "2", "...--": "3", "....-": "4", ".....": "5", "-....": "6",
    "--...": "7", "---..": "8", "----.": "9",
}  # fmt: skip
# A run of at least eight Morse letters separated by spaces; words by "/" or "|" or 3 spaces.
_MORSE_RUN = re.compile(r"(?:[.\-·•–—_]{1,6}(?:\s*[/|]\s*|\s+)){7,}[.\-·•–—_]{1,6}")
_MORSE_SYMBOLS = str.maketrans({"·": ".", "•": ".", "–": "-", "—": "-", "_": "-"})
# from the start of a whitespace run only: tried at every space of a long run it was quadratic
_MORSE_WORD_BREAK = re.compile(r"(?<!\s)\s*+[/|]\s*+|(?<!\s)\s{3,}+")


def morse(text: str) -> list[str]:
    """Morse runs whose letters are (nearly) all valid codes; rulers like ``--- ---`` are not."""
    found: list[str] = []
    for match in _MORSE_RUN.finditer(text):
        plain = decode_morse(match.group(0), min_letters=8)
        if plain is not None:
            found.append(plain)
    return found


def decode_morse(run: str, *, min_letters: int) -> str | None:
    """One Morse run as text, if at least ``min_letters`` of its codes (and 90 %) are letters
    and it uses at least ``min(4, min_letters)`` distinct codes."""
    words = _MORSE_WORD_BREAK.split(run.translate(_MORSE_SYMBOLS).strip())
    codes = [code for word in words for code in word.split()]
    valid = [code for code in codes if code in _MORSE]
    if len(valid) < min_letters or len(valid) < 0.9 * len(codes):
        return None
    if len(set(codes)) < min(4, min_letters):
        return None
    return " ".join("".join(_MORSE.get(code, "") for code in word.split()) for word in words)


# Grade-1 braille: dots 1-6 as the low six bits of the pattern U+2800 + bits.
_BRAILLE_LETTERS = {
    0x01: "a", 0x03: "b", 0x09: "c", 0x19: "d", 0x11: "e", 0x0B: "f", 0x1B: "g", 0x13: "h",
    0x0A: "i", 0x1A: "j", 0x05: "k", 0x07: "l", 0x0D: "m", 0x1D: "n", 0x15: "o", 0x0F: "p",
    0x1F: "q", 0x17: "r", 0x0E: "s", 0x1E: "t", 0x25: "u", 0x27: "v", 0x3A: "w", 0x2D: "x",
    0x3D: "y", 0x35: "z", 0x00: " ", 0x32: ".", 0x02: ",", 0x16: "!", 0x26: "?",
}  # fmt: skip
_BRAILLE_RUN = re.compile(r"[\u2800-\u28ff][\u2800-\u28ff \n]{7,}")


def braille(text: str) -> list[str]:
    """Braille cells spelled as letters (capital and number signs dropped)."""
    found: list[str] = []
    for match in _BRAILLE_RUN.finditer(text):
        plain = decode_braille(match.group(0), min_letters=6)
        if plain is not None:
            found.append(plain)
    return found


def decode_braille(run: str, *, min_letters: int) -> str | None:
    """Braille cells as letters, if at least ``min_letters`` of them are."""
    cells = [ord(c) - 0x2800 if c not in " \n" else 0 for c in run]
    plain = "".join(_BRAILLE_LETTERS.get(cell & 0x3F, "") for cell in cells if cell not in (32, 60))
    if sum(ch.isalpha() for ch in plain) < min_letters:
        return None
    return plain if " " in plain.strip() else segment(plain)


_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_LEET_WORD = re.compile(r"(?<!\S)(?=\S*[a-zA-Z])(?=\S*[013457@$!][a-zA-Z])\S+")


def leetspeak(text: str, *, min_words: int = 2) -> list[str]:
    """Words mixing letters with look-alike digits or symbols (``1gn0r3``, ``pr3v!0us``), when
    at least ``min_words`` of them do."""
    if len(_LEET_WORD.findall(text)) < min_words:
        return []
    plain = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), text)
    return [plain] if plain != text else []


_PERCENT_RUN = re.compile(r"(?:%[0-9a-fA-F]{2}[^\s%]{0,3}){4,}")


def url_encoding(text: str) -> list[str]:
    """Percent-encoded runs (``%69%67%6E%6F%72%65``), fully decoded (also double encoding)."""
    if not _PERCENT_RUN.search(text):
        return []
    plain = text
    for _ in range(3):
        decoded = unquote(plain.replace("+", " "))
        if decoded == plain:
            break
        plain = decoded
    return [plain] if plain != text else []


def quoted_printable(text: str) -> list[str]:
    """Quoted-printable (``src=3Djavascript:…``): mail's escape for ``=`` and bytes."""
    plain = decode_quoted_printable(text)
    return [plain] if plain is not None else []


_NATO = {
    "alfa": "a", "alpha": "a", "bravo": "b", "charlie": "c", "delta": "d", "echo": "e",
    "foxtrot": "f", "golf": "g", "hotel": "h", "india": "i", "juliet": "j", "juliett": "j",
    "kilo": "k", "lima": "l", "mike": "m", "november": "n", "oscar": "o", "papa": "p",
    "quebec": "q", "romeo": "r", "sierra": "s", "tango": "t", "uniform": "u", "victor": "v",
    "whiskey": "w", "xray": "x", "x-ray": "x", "yankee": "y", "zulu": "z",
}  # fmt: skip
_NATO_RUN = re.compile(
    r"\b(?:(?:" + "|".join(_NATO) + r")\b[\s,.;-]*){6,}", re.IGNORECASE
)  # six or more code words in a row
# [^\S\n]: blanks within the line; ``\s`` would run over every following blank line from each
# line start (quadratic on a text of newlines)
_LINE_LETTER = re.compile(r"^[^\S\n]*[\"'(\[]?([A-Za-z])[\"')\].,:;-]?[^\S\n]*$", re.MULTILINE)
_ACROSTIC_HINT = re.compile(
    r"\b(?:first|initial|last)\s+letters?\s+of\s+(?:each|every|the)\b"
    r"|\bacrostic\b|\bletter\s+by\s+letter\b|\bone\s+letter\s+at\s+a\s+time\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\"([^\"\n]{1,40})\"|'([^'\n]{1,40})'")
_GLUE_HINT = re.compile(
    r"\+|\b(?:concatenat\w*|combine|join|put\s+together|glue|merge|assemble|append\w*"
    r"|one\s+after\s+(?:the\s+)?another|(?:with\s+)?no\s+spaces|without\s+spaces)\b",
    re.IGNORECASE,
)
# Pieces of one string listed as quoted items: "![t","](htt","ps:/" (separators and quotes dropped).
_PIECE_SEPARATOR = re.compile(r"[\"'`]\s*[,+]\s*[\"'`]")
_MIN_PIECES = 4
_PIECE_GAP = 60
_PIECE_CONTEXT = (200, 300)
_MAX_GLUED_CHARS = 1_500
# Parts numbered one per line, "(1) !", "(2) [" …, to be written one after the other.
_NUMBERED_PART = re.compile(r"^[^\S\n]*\(?\d{1,2}\)[^\S\n]?(.*?)[^\S\n]*$", re.MULTILINE)
_SENTENCE = re.compile(r"[^.!?\n]+")
# Letters spelled one by one arrive glued ("ignoreallprevious…"): split them at known words,
# longest first, so the phrase rules can read them.
_SEGMENT_WORDS = (
    *_TRIGGERS,
    "instructions", "tell", "me", "the", "to", "and", "of", "is", "are", "my", "how", "what",
    "make", "give", "show", "output", "write", "act", "as", "no", "do", "anything", "mode",
    "developer", "admin", "access", "code", "key", "from", "on", "in", "this", "that", "reply",
    "only", "with", "jailbreak", "unrestricted", "filter", "filters", "safety", "guidelines",
)  # fmt: skip
_SEGMENT = re.compile("|".join(sorted(set(_SEGMENT_WORDS), key=len, reverse=True)))


def decode_nato(span: str, *, min_words: int) -> str | None:
    """A span made only of NATO code words (at least ``min_words``), as the letters they spell."""
    words = re.findall(r"[a-z-]+", span.lower())
    if len(words) < min_words or not all(w in _NATO for w in words):
        return None
    if re.fullmatch(r"[A-Za-z\s,.;-]+", span) is None:
        return None
    return "".join(_NATO[w] for w in words)


def segment(glued: str) -> str:
    """``"ignoreallpreviousinstructions"`` → ``"ignore all previous instructions"``."""
    spaced = _SEGMENT.sub(lambda m: f" {m.group(0)} ", glued.lower())
    return " ".join(spaced.split())


def spelled_out(text: str) -> list[str]:
    """Texts assembled from pieces: NATO words, one letter per line, the first letters of each
    line / word when the text asks for an acrostic, and quoted fragments glued by ``+``."""
    found: list[str] = []
    for match in _NATO_RUN.finditer(text):
        words = re.findall(r"[a-z-]+", match.group(0).lower())
        found.append(segment("".join(_NATO.get(w, "") for w in words)))
    letters = _LINE_LETTER.findall(text)
    if len(letters) >= 6:
        found.append(segment("".join(letters)))
    if _ACROSTIC_HINT.search(text):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        found.append(segment("".join(line[0] for line in lines)))
        for sentence in _SENTENCE.findall(text):
            words = sentence.split()
            if len(words) >= 6:
                found.append(segment("".join(word[0] for word in words)))
    if _GLUE_HINT.search(text):
        found.extend(_glued(text))
    return found


def _joined_pieces(text: str) -> list[str]:
    """Each run of quoted pieces (separators at most ``_PIECE_GAP`` apart, ``_MIN_PIECES`` at
    least) joined, with the sentences around it (what to do with the result), at most
    ``_MAX_GLUED_CHARS``: a table of quoted CSV fields costs one short decoding, not a copy."""
    found: list[str] = []
    run: list[re.Match[str]] = []
    for match in (*_PIECE_SEPARATOR.finditer(text), None):
        if match is not None and (not run or match.start() - run[-1].end() <= _PIECE_GAP):
            run.append(match)
            continue
        if len(run) >= _MIN_PIECES:
            start = max(0, run[0].start() - _PIECE_CONTEXT[0])
            window = text[start : run[-1].end() + _PIECE_CONTEXT[1]]
            found.append(_PIECE_SEPARATOR.sub("", window)[:_MAX_GLUED_CHARS])
            if len(found) >= 2:
                break
        run = [match] if match is not None else []
    return found


def _glued(text: str) -> list[str]:
    """The string a text asks to be glued together: quoted fragments joined (also in place, so
    the words around them stay), or parts numbered one per line written one after the other."""
    found: list[str] = []
    pieces = [a or b for a, b in _QUOTED.findall(text)]
    if len(pieces) >= 2:
        found.append("".join(pieces))
        found.append(" ".join(pieces))
    found.extend(_joined_pieces(text))
    parts = _NUMBERED_PART.findall(text)
    if len(parts) >= _MIN_PIECES:
        found.append("".join(parts))
    return found


CIPHERS: tuple[Callable[[str], list[str]], ...] = (
    url_encoding,
    quoted_printable,
    caesar,
    atbash,
    substituted_script,
    reversed_text,
    morse,
    braille,
    leetspeak,
    spelled_out,
)
"""Every text cipher, cheapest and most common first."""
