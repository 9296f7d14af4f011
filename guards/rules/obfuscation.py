"""Rules for hidden payloads: encoded instructions, invisible or look-alike characters, spaced-out
trigger words and token flooding.

The normaliser already undoes most disguises so the other rules see the plain words; these rules
add the disguise itself as evidence, because honest text seldom needs it.
"""

from __future__ import annotations

import re

from guards.carriers import invisible_payload
from guards.decode_request import asks_to_decode
from guards.gibberish import looks_like_adversarial_suffix
from guards.rules._base import Rule, Scan, any_pattern, compile_all
from guards.rules.extraction import EXTRACTION_PATTERNS
from guards.rules.markup import HTML_SCRIPT_PATTERNS, ROLE_TOKEN_PATTERNS
from guards.rules.override import JAILBREAK_PATTERNS, NEW_INSTRUCTION_PATTERNS, OVERRIDE_PATTERNS

_INSTRUCTION_WORDS = re.compile(
    r"\b(?:ignore|disregard|instructions?|system\s+prompt|password|jailbreak|reveal|pretend"
    r"|you\s+are\s+now|forget|respond\s+only|print|say)\b"
)
_CORE = (
    OVERRIDE_PATTERNS
    + EXTRACTION_PATTERNS
    + JAILBREAK_PATTERNS
    + NEW_INSTRUCTION_PATTERNS
    + ROLE_TOKEN_PATTERNS
)
_ROT13_TRIGGERS = re.compile(
    r"\b(?:vtaber|qvfertneq|sbetrg|vafgehpgvbaf?|cebzcg|cnffjbeq|flfgrz|erirny|cerivbhf|cergraq)\b"
)
_TRIGGER_VOCABULARY = (
    "ignore",
    "disregard",
    "instruction",
    "prompt",
    "system",
    "password",
    "jailbreak",
    "reveal",
    "forget",
    "override",
    "bypass",
    "secret",
    "previous",
)
_FLOOD_REPEATS = 40
_FLOOD_MAX_TOKEN = 4
_FLOOD_MAX_PERIOD = 3
# The same chunk glued to itself ten times or more ("artisanlibartisanlib…"): glitch-token spam.
# The chunk must start with a letter: a ruler of "-----" or "=====" is layout, not spam.
_GLUED = re.compile(r"([^\W\d_].{2,19}?)\1{9,}")
_GLUED_MIN_CHARS = 60

DECODE_AND_FOLLOW_PATTERNS = compile_all(
    r"\b(?:decode|decipher|decrypt|unscramble|deobfuscate)\b[^.!?\n]{0,60}?\b(?:and|then)\s+"
    r"(?:follow|execute|obey|do|run|carry\s+out|perform|act\s+on|comply\s+with)\b",
    r"\b(?:follow|execute|obey)\s+(?:the\s+)?(?:decoded|hidden|encoded)\s+(?:instructions?|message"
    r"|text|command)",
)


DECODED_FLAG = 0.5
"""A decoding the full detector scores at or above this is an attack in disguise."""


def _encoded_instructions(scan: Scan) -> bool:
    """A decoding the detector flags; or, for base64 / hex, any instruction words at all; or
    active script markup (``<script>``, ``javascript:``, ``onerror=``) that only a decoding
    shows: an encoded XSS payload is meant to be decoded and emitted by the model."""
    for decoded in scan.decoded:
        if decoded.score >= DECODED_FLAG:
            return True
        if decoded.binary and (
            any(p.search(decoded.text) for p in _CORE) or _INSTRUCTION_WORDS.search(decoded.text)
        ):
            return True
        if any(p.search(decoded.text) for p in HTML_SCRIPT_PATTERNS) and not any(
            p.search(scan.text) for p in HTML_SCRIPT_PATTERNS
        ):
            return True
    return len(set(_ROT13_TRIGGERS.findall(scan.text))) >= 2


def _tag_smuggling(scan: Scan) -> bool:
    return scan.norm.tag_count > 0


def _invisible_payload(scan: Scan) -> bool:
    return invisible_payload(scan.raw)


def _invisible(scan: Scan) -> bool:
    leading_bom = 1 if scan.raw.startswith("\ufeff") else 0
    return scan.norm.invisible_count - leading_bom > 0


def _mixed_script(scan: Scan) -> bool:
    return scan.norm.mixed_script_words > 0


def _spaced_trigger(scan: Scan) -> bool:
    return any(t in word for word in scan.norm.spaced_words for t in _TRIGGER_VOCABULARY)


def _token_flooding(scan: Scan) -> bool:
    """One short token, or a group of up to three, repeated 40+ times in a row: pushes the real
    instructions out of the model's attention ("ö ö ö …", ") ] } ) ] } …")."""
    tokens = scan.text.split()
    for period in range(1, _FLOOD_MAX_PERIOD + 1):
        run = 0
        for i in range(period, len(tokens)):
            token = tokens[i]
            same = (
                token == tokens[i - period]
                and len(token) <= _FLOOD_MAX_TOKEN
                and not token.isdigit()  # a sparse matrix of zeros is data, not an attack
            )
            run = run + 1 if same else 0
            if run >= _FLOOD_REPEATS * period:
                return True
    return any(_GLUED.search(t) for t in tokens if len(t) >= _GLUED_MIN_CHARS)


RULES = (
    Rule("encoded_instructions", 0.8, _encoded_instructions),
    Rule("decode_and_follow", 0.5, any_pattern(*DECODE_AND_FOLLOW_PATTERNS)),
    Rule("decode_request", 0.6, lambda scan: asks_to_decode(scan.raw, scan.text)),
    Rule("unicode_tag_smuggling", 0.8, _tag_smuggling),
    Rule("invisible_payload", 0.8, _invisible_payload),
    Rule("invisible_characters", 0.3, _invisible),
    Rule("mixed_script_words", 0.35, _mixed_script),
    Rule("spaced_out_trigger", 0.5, _spaced_trigger),
    Rule("token_flooding", 0.5, _token_flooding),
    Rule("adversarial_suffix", 0.6, lambda scan: looks_like_adversarial_suffix(scan.raw)),
)
