"""Binary-to-text encodings: base64 (either alphabet), hex, base32, Ascii85 / base85, uuencode
and quoted-printable; and the one test of what counts as readable text once decoded.

A model decodes any of them on request, so each is a way to slip a word past a keyword filter.
Each decoder takes one candidate span (never a whole document: the callers pick the spans and
bound their number and size) and returns the decoded text only when it is readable
(``readable``), so a hash, a key or an ordinary word that happens to be valid in the alphabet
decodes to nothing.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re

MAX_SPAN_CHARS = 8_192
"""Longest span any decoder here reads; longer input is cut, never decoded whole."""
_MIN_PRINTABLE = 0.9
_MIN_LETTERS = 0.5

_HEX_SEPARATORS = re.compile(r"[ :]")
_BASE32 = re.compile(r"[A-Z2-7]+=*")
_ASCII85 = re.compile(r"(?:<~)?[!-uz\s]+(?:~>)?")
_BASE85 = re.compile(r"[0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~]+")
_UU_LINE = re.compile(r"[!-M][ -`]{1,61}")
# A quoted-printable escape after a letter, a symbol or another escape ("src=3D", "caf=C3=A9");
# "69=279" is a sum.
_QP_ESCAPE = re.compile(r"(?:(?<![\d\s=])|(?<==[0-9A-F]{2}))=[0-9A-F]{2}")
_QP_MIN_ESCAPES = 2


def readable(raw: bytes, *, min_chars: int = 3) -> str | None:
    """``raw`` as text when it is UTF-8, at least ``min_chars`` long, nearly all printable and
    at least half letters: what an encoded word or sentence decodes to, and random bytes
    almost never do."""
    try:
        plain = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(plain) < min_chars:
        return None
    good = sum(1 for ch in plain if ch.isprintable() or ch in "\n\t")
    letters = sum(1 for ch in plain if ch.isalpha())
    if good / len(plain) < _MIN_PRINTABLE or letters / len(plain) < _MIN_LETTERS:
        return None
    return plain


def decode_base64(span: str, *, min_chars: int = 3) -> str | None:
    """base64 in the standard or the URL-safe alphabet, its padding optional. The caller picks
    and bounds the span: the alphabet alone says nothing (any word is base64-shaped)."""
    stripped = span.rstrip("=")
    padded = stripped + "=" * (-len(stripped) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return None
    return readable(raw, min_chars=min_chars)


def decode_hex(span: str, *, min_chars: int = 3) -> str | None:
    """Hex bytes, ``0x``-prefixed or not, pairs optionally separated by spaces or colons."""
    try:
        raw = bytes.fromhex(_HEX_SEPARATORS.sub("", span.removeprefix("0x")))
    except ValueError:
        return None
    return readable(raw, min_chars=min_chars)


def decode_base32(span: str, *, min_chars: int = 3) -> str | None:
    """RFC 4648 base32 (upper-case letters and 2-7, ``=`` padding to a multiple of eight)."""
    blob = span.strip()[:MAX_SPAN_CHARS]
    if len(blob) < 8 or not _BASE32.fullmatch(blob):
        return None
    if not any(c.isdigit() for c in blob) and not blob.endswith("="):
        return None
    stripped = blob.rstrip("=")
    try:
        raw = base64.b32decode(stripped + "=" * (-len(stripped) % 8))
    except (binascii.Error, ValueError):
        return None
    return readable(raw, min_chars=min_chars)


def decode_ascii85(span: str, *, min_chars: int = 3) -> str | None:
    """Adobe Ascii85 (``<~ … ~>`` optional) or the RFC 1924 / git base85 alphabet, whichever
    decodes to readable text. The alphabets cover most punctuation, so only spans that mix
    letters with digits or symbols are tried (a plain word is not Ascii85 worth decoding)."""
    blob = span.strip()[:MAX_SPAN_CHARS]
    if len(blob) < 5 or blob.isalpha() or not any(c.isalpha() for c in blob):
        return None
    if " " in blob:
        return None  # an encoder never emits a space inside a line; prose has many
    for pattern, decode in ((_ASCII85, _a85), (_BASE85, _b85)):
        if pattern.fullmatch(blob):
            raw = decode(blob)
            plain = readable(raw, min_chars=min_chars) if raw is not None else None
            if plain is not None:
                return plain
    return None


def _a85(blob: str) -> bytes | None:
    try:
        return base64.a85decode(blob, adobe=blob.startswith("<~") and blob.endswith("~>"))
    except (binascii.Error, ValueError):
        return None


def _b85(blob: str) -> bytes | None:
    try:
        return base64.b85decode(blob)
    except (binascii.Error, ValueError):
        return None


def decode_uu(span: str, *, min_chars: int = 3) -> str | None:
    """uuencoded lines (each led by its length character; ``begin``/``end`` lines skipped)."""
    lines = [
        line.rstrip("\n")
        for line in span[:MAX_SPAN_CHARS].splitlines()
        if line.strip() and not line.startswith(("begin ", "end"))
    ]
    if not lines or not all(_uu_line(line) for line in lines):
        return None
    raw = bytearray()
    for line in lines:
        padded = line + " " * (-(len(line) - 1) % 4)
        try:
            raw += binascii.a2b_uu(padded)
        except (binascii.Error, ValueError):
            return None
    return readable(bytes(raw), min_chars=min_chars)


def _uu_line(line: str) -> bool:
    """A uuencoded line is exactly as long as its length character says (trailing blanks, which
    stand for zero bits, may be trimmed)."""
    if not _UU_LINE.fullmatch(line.rstrip() or " "):
        return False
    size = (ord(line[0]) - 32) & 63
    expected = -(-size // 3) * 4
    return expected - 3 <= len(line) - 1 <= expected


def decode_quoted_printable(span: str) -> str | None:
    """Quoted-printable (``=3D`` for ``=``, ``=`` at a line end for a soft break): decoded only
    when the span holds an escaped ``=`` (``=3D``, which any encoded markup or URL needs) or a
    few escapes, else it reads the same decoded as not."""
    blob = span[:MAX_SPAN_CHARS]
    escapes = _QP_ESCAPE.findall(blob)
    if "=3D" not in escapes and len(escapes) < _QP_MIN_ESCAPES:
        return None
    try:
        raw = quopri.decodestring(blob.encode("utf-8"))
    except (binascii.Error, ValueError):
        return None
    try:
        plain = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return plain if plain != blob else None
