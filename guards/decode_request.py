"""A request to decode something that is encoded: the obfuscation is the attack, whatever the
payload.

"Decode the following base32: JB2WC3TB", "Encoded: ⠠⠎⠁⠎⠎ Decoded:", "What does this mean?
-.- .... .-": the payload is often one word, too short for ``guards.decoding`` to look at
(it decodes only blobs long enough to carry a sentence, so a text full of hashes stays cheap)
and often no instruction at all. What gives the attack away is the pair: a request to decode,
translate or interpret, *and* a span that one of the decoders turns into readable text (or a
carrier no honest text uses: invisible bytes, letters buried in combining marks). Either alone
is ordinary: people paste hashes, UUIDs, colour codes and emoji, and ask what words mean.

Bounded: the request is one regex pass; at most ``_MAX_SPANS`` spans of at most
``_MAX_SPAN_CHARS`` characters are tried, each decoder a single pass over its span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from guards.carriers import emoji_run, invisible_payload, many_script_token
from guards.carriers import zalgo as zalgo_text
from guards.ciphers import ATBASH, ROT13, decode_braille, decode_morse, decode_nato, leetspeak
from guards.gibberish import load_model
from guards.text_codecs import (
    decode_ascii85,
    decode_base32,
    decode_base64,
    decode_hex,
    decode_quoted_printable,
    decode_uu,
)

_EXPLICIT = re.compile(
    r"\b(?:decode|decoded|decoding|decipher|deciphered|decrypt|decrypted|deobfuscate|unscramble"
    r"|encoded|encoding|encrypted|enciphered|obfuscated|ciphertext|cipher)\b"
)
_INTERPRET = re.compile(
    r"\bwhat\s+(?:does|do|is|could|might|would)\b[^\n?]{0,200}?\b(?:mean|means|say|says"
    r"|stand\s+for|read|spell|translate\s+to|decode\s+to)\b"
    r"|\bwhat\s+is\s+the\s+meaning\s+of\b|\b(?:translate|interpret|convert|transcribe)\b"
)
# What a "what does X mean / say" question asks about, on the raw text (case matters to base64).
_ASKED_ABOUT = re.compile(
    r"\bwhat\s+(?:does|do|did|would|could|might)\s+(.{3,200}?)\s+(?:mean|means|say|says"
    r"|stand\s+for|spell|decode\s+to)\b",
    re.IGNORECASE,
)
_MAX_SPANS = 24
_MAX_SPAN_CHARS = 2_000
_MIN_LETTERS = 3
_MIN_BARE_LETTERS = 4
_TOKEN = re.compile(r"\S{4,}")
_QUOTED = re.compile(r"\"([^\"\n]{3,200})\"|“([^”\n]{3,200})”|`([^`\n]{3,200})`")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{4,}={0,2}|[A-Za-z0-9_\-]{4,}={0,2}")
_HEX = re.compile(r"(?:0x)?(?:[0-9a-fA-F]{2}[ :]?){3,}")
_MORSE = re.compile(r"[.\-·•–—_]{1,6}(?:(?:\s*[/|]\s*|\s+)[.\-·•–—_]{1,6}){2,}")
_BRAILLE = re.compile(r"[\u2800-\u28ff][\u2800-\u28ff ]{2,}")
_WORDS = re.compile(r"[A-Za-z][A-Za-z ]{2,}")
_ENGLISH_SURPRISE = 3.8
"""Mean surprise (nats a character) under which a decoded word reads as English or a name."""
_ENGLISH_GAIN = 1.0
"""How much less surprising a substitution decoding must be than its span to count."""
_LEET_GAIN = 0.5
"""Less for leetspeak: digits inside a word already mark it (``S4ssenach``)."""


def asks_to_decode(text: str, norm: str) -> bool:
    """Whether ``text`` (``norm``: its normalised, lower-cased view) asks a model to decode,
    translate or interpret a span that decodes to readable text, or holds a hidden carrier."""
    explicit = _EXPLICIT.search(norm) is not None
    if not explicit and _INTERPRET.search(norm) is None:
        return _only_an_encoded_span(text)
    if _hidden_carrier(text):
        return True
    if many_script_token(text) or (explicit and emoji_run(text)):
        return True
    return any(decoder(span) for span in _spans(text) for decoder in _DECODERS)


def _only_an_encoded_span(text: str) -> bool:
    """A text that is nothing but one encoded span (one line, no prose around it) asks to be
    decoded without saying so: models decode base64 or Morse unprompted. Substitutions are left
    out (any word is the ROT13 of another string), and the decoding must hold four letters."""
    span = text.strip()
    if not span or len(span) > _MAX_SPAN_CHARS:
        return False
    if "\n" in span:  # of the encodings, only uuencode spans lines
        return _letters(decode_uu(span, min_chars=_MIN_BARE_LETTERS)) >= _MIN_BARE_LETTERS
    return any(decoder(span) for decoder in _BARE_DECODERS)


def _hidden_carrier(text: str) -> bool:
    """Invisible bytes or bits, or letters buried under combining marks."""
    if text.isascii():
        return False
    return invisible_payload(text) or bool(zalgo_text(text))


def _spans(text: str) -> Iterator[str]:
    """The candidates a request points at: each line, what follows a colon or question mark on
    it, quoted or back-ticked runs, what a "what does … mean" question asks about, and the
    tokens that are not plain words."""
    seen: set[str] = set()
    candidates: list[str] = []
    for line in text.splitlines():
        candidates.append(line)
        for mark in (":", "?"):
            if mark in line:
                candidates.append(line.rsplit(mark, 1)[1])
    candidates.extend(next(g for g in m.groups() if g) for m in _QUOTED.finditer(text))
    candidates.extend(m.group(1) for m in _ASKED_ABOUT.finditer(text))
    candidates.extend(m.group(0) for m in _TOKEN.finditer(text) if not m.group(0).isalpha())
    for candidate in candidates:
        span = candidate.strip().strip("'\"`")[:_MAX_SPAN_CHARS]
        if span and span not in seen:
            seen.add(span)
            yield span
            if len(seen) >= _MAX_SPANS:
                return


def _base64(span: str, *, min_chars: int = _MIN_LETTERS) -> bool:
    if not _BASE64.fullmatch(span) or len(span.rstrip("=")) % 4 == 1:
        return False
    return _letters(decode_base64(span, min_chars=min_chars)) >= min_chars


def _hex(span: str, *, min_chars: int = _MIN_LETTERS) -> bool:
    if not _HEX.fullmatch(span):
        return False
    return _letters(decode_hex(span, min_chars=min_chars)) >= min_chars


def _binary_text(span: str, *, min_chars: int = _MIN_LETTERS) -> bool:
    """base32, Ascii85 / base85, uuencode, quoted-printable."""
    return (
        _letters(decode_base32(span, min_chars=min_chars)) >= min_chars
        or _letters(decode_ascii85(span, min_chars=min_chars)) >= min_chars
        or _letters(decode_uu(span, min_chars=min_chars)) >= min_chars
        or decode_quoted_printable(span) is not None
    )


def _letters(plain: str | None) -> int:
    return 0 if plain is None else sum(ch.isalpha() for ch in plain)


def _dots_and_cells(span: str, *, min_letters: int = _MIN_LETTERS) -> bool:
    """Morse, braille, or NATO code words: each a visible alphabet of its own."""
    if _MORSE.fullmatch(span) and decode_morse(span, min_letters=min_letters):
        return True
    if _BRAILLE.fullmatch(span) and decode_braille(span, min_letters=min_letters):
        return True
    return decode_nato(span, min_words=min_letters) is not None


def _substitution(span: str) -> bool:
    """ROT13, atbash or leetspeak that turns a non-word into a word (or a name)."""
    if len(span) > 200 or sum(c.isalpha() for c in span) < _MIN_LETTERS + 1:
        return False
    if any(_reads_better(span, plain, gain=_LEET_GAIN) for plain in leetspeak(span, min_words=1)):
        return True
    if not _WORDS.fullmatch(span):
        return False
    return any(_reads_better(span, span.translate(t)) for t in (ROT13, ATBASH))


def _reads_better(span: str, plain: str, *, gain: float = _ENGLISH_GAIN) -> bool:
    after = _surprise(plain)
    return after <= _ENGLISH_SURPRISE and after <= _surprise(span) - gain


def _surprise(text: str) -> float:
    costs = load_model().surprise(" " + text.lower() + " ")
    return sum(costs) / len(costs)


_BARE_DECODERS: tuple[Callable[[str], bool], ...] = (
    lambda span: _base64(span, min_chars=_MIN_BARE_LETTERS),
    lambda span: _hex(span, min_chars=_MIN_BARE_LETTERS),
    lambda span: _binary_text(span, min_chars=_MIN_BARE_LETTERS),
    lambda span: _dots_and_cells(span, min_letters=_MIN_BARE_LETTERS),
)
_DECODERS: tuple[Callable[[str], bool], ...] = (
    _base64,
    _hex,
    _binary_text,
    _dots_and_cells,
    _substitution,
)
