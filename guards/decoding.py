"""Look inside encoded blobs: an instruction in base64 or hex is still an instruction.

``decodings`` is the one entry point: the base64 / hex / base32 / Ascii85 / uuencoded payloads
below (``guards.text_codecs``), the carriers hidden in invisible characters or under combining
marks (``guards.carriers``: variation selectors, invisible-operator bits, zalgo), and every text
cipher of ``guards.ciphers`` (ROT13/Caesar, atbash, Morse, braille, leetspeak, reversed,
URL-encoding, quoted-printable, spelled-out letters). The detector re-scans each decoding with
all its rules, to a bounded depth and a bounded total of decoded characters
(``guards.heuristics``).

Models decode base64 and rot13 unprompted, so "aWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM="
works as an attack while slipping past every keyword rule. We decode only blobs long enough to
carry a sentence, keep only decodings that are mostly printable text, and hand them back so the
same rules can judge them. Bounded: at most ``_MAX_BLOBS`` blobs per text, each at most
``_MAX_BLOB_CHARS`` long, so a document full of hashes costs little.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from guards.carriers import invisible_bits, variation_selectors, zalgo
from guards.ciphers import CIPHERS
from guards.marked_letters import marked_letters
from guards.text_codecs import (
    decode_ascii85,
    decode_base32,
    decode_base64,
    decode_hex,
    decode_uu,
)

_BASE64_BLOB = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])")
_BASE64URL_BLOB = re.compile(r"(?<![A-Za-z0-9_\-=])[A-Za-z0-9_\-]{24,}={0,2}(?![A-Za-z0-9_\-=])")
_HEX_BLOB = re.compile(r"(?<![0-9a-fA-F])(?:[0-9a-fA-F]{2}[ :]?){16,}(?![0-9a-fA-F])")
_BASE32_BLOB = re.compile(r"(?<![A-Za-z0-9+/=])[A-Z2-7]{16,}={0,6}(?![A-Za-z0-9+/=])")
# Ascii85 / base85: one whitespace-free token mixing letters with the alphabet's symbols.
_ASCII85_BLOB = re.compile(r"(?<!\S)(?=\S*[a-zA-Z])(?=\S*[!-/:-@\[-`{-~])[!-~]{20,}(?!\S)")
# uuencoded lines: a length character, then exactly the characters that length needs.
_UU_LINES = re.compile(r"(?:^[!-M][ -`]{4,61}\n?){1,64}", re.MULTILINE)
_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/]{2,}={0,2}")
_BASE64_MARK = re.compile(r"[0-9+/=]|.[A-Z]")
_MIN_BLOB_CHARS = 24
_MAX_BLOBS = 16
_MAX_BLOB_CHARS = 8_192
_MIN_DECODED_CHARS = 12


@dataclass(frozen=True, slots=True)
class Decoded:
    """One decoding of a span of a text. ``binary``: it came out of base64 or hex, whose mere
    presence as readable instruction words is already suspicious (honest blobs are data)."""

    text: str
    binary: bool


def decodings(text: str) -> list[Decoded]:
    """Every distinct decoding of ``text`` (at most ``_MAX_BLOBS``, each at most
    ``_MAX_BLOB_CHARS``), binary payloads first; the text itself is never one."""
    found: dict[str, Decoded] = {}
    for plain in decoded_payloads(text):
        found.setdefault(plain, Decoded(text=plain, binary=True))
    for carrier, hidden in ((variation_selectors, True), (invisible_bits, True), (zalgo, False)):
        for plain in carrier(text):
            found.setdefault(plain, Decoded(text=plain[:_MAX_BLOB_CHARS], binary=hidden))
    for cipher in (*CIPHERS, marked_letters):
        for plain in cipher(text):
            if len(found) >= _MAX_BLOBS:
                return list(found.values())
            if plain.strip() and plain != text:
                found.setdefault(plain, Decoded(text=plain[:_MAX_BLOB_CHARS], binary=False))
    return list(found.values())


def decoded_payloads(text: str) -> list[str]:
    """Printable decodings of the base64 / hex blobs in ``text`` (raw, not yet normalised)."""
    found: list[str] = []
    for blob in _grouped_base64(text):
        plain = _decode_base64(blob)
        if plain is not None and plain not in found:
            found.append(plain)
    for pattern, decode in (
        (_BASE64_BLOB, _decode_base64),
        (_BASE64URL_BLOB, _decode_base64url),
        (_HEX_BLOB, _decode_hex),
        (_BASE32_BLOB, _decode_base32),
        (_ASCII85_BLOB, _decode_ascii85),
        (_UU_LINES, _decode_uu),
    ):
        for match in pattern.finditer(text):
            if len(found) >= _MAX_BLOBS:
                return found
            blob = match.group(0)[:_MAX_BLOB_CHARS]
            plain = decode(blob)
            if plain is not None and plain not in found:
                found.append(plain)
    return found


def _grouped_base64(text: str) -> list[str]:
    """Base64 split into groups by spaces or line breaks (``aWdub3Jl IGFsbCBw …``), joined.

    A run of two or more whitespace-separated tokens that each look like base64 (a digit, ``+``,
    ``/``, ``=`` or an upper-case letter after the first) is one candidate; prose words break
    the run. At most ``_MAX_BLOBS`` candidates, each at most ``_MAX_BLOB_CHARS`` long."""
    blobs: list[str] = []
    run: list[str] = []
    for token in (*text.split(), ""):
        if token and _BASE64_TOKEN.fullmatch(token) and _BASE64_MARK.search(token):
            run.append(token)
            continue
        joined = "".join(run)
        if len(run) >= 2 and len(joined) >= _MIN_BLOB_CHARS:
            blobs.append(joined[:_MAX_BLOB_CHARS])
            if len(blobs) >= _MAX_BLOBS:
                break
        run = []
    return blobs


def _decode_base64(blob: str) -> str | None:
    return decode_base64(blob, min_chars=_MIN_DECODED_CHARS) if _looks_like_base64(blob) else None


def _decode_base64url(blob: str) -> str | None:
    if "-" not in blob and "_" not in blob:
        return None  # plain base64 already covered it
    return decode_base64(blob, min_chars=_MIN_DECODED_CHARS)


_decode_hex = partial(decode_hex, min_chars=_MIN_DECODED_CHARS)
_decode_base32 = partial(decode_base32, min_chars=_MIN_DECODED_CHARS)
_decode_ascii85 = partial(decode_ascii85, min_chars=_MIN_DECODED_CHARS)
_decode_uu = partial(decode_uu, min_chars=_MIN_DECODED_CHARS)


def _looks_like_base64(blob: str) -> bool:
    """Identifiers like ``averyLongCamelCaseName`` are base64-alphabet too; real base64 mixes
    cases and usually digits or padding, and has no long run of lower-case prose."""
    has_upper = any(c.isupper() for c in blob)
    has_lower = any(c.islower() for c in blob)
    return has_upper and has_lower
