"""Obfuscated PII in untrusted documents is masked (issue 20, items 5 and 6).

One row per obfuscation family; each is prepared as ingest prepares it (real spaCy NER and
Presidio recognizers), then read back masked: the value must not be readable after removing
invisible characters, markup and look-alikes.
"""

from __future__ import annotations

import pytest

from privacy.detector import PresidioDetector
from tests.security.normalize_support import prepare, readable, served_masked

INVISIBLES = {
    "LRI U+2066": "\u2066", "PDI U+2069": "\u2069", "LRE U+202A": "\u202a",
    "RLO U+202E": "\u202e", "CGJ U+034F": "\u034f", "ALM U+061C": "\u061c",
    "VS16 U+FE0F": "\ufe0f", "VS1 U+FE00": "\ufe00", "VS17 U+E0100": "\U000e0100",
    "braille blank U+2800": "\u2800", "Hangul filler U+3164": "\u3164",
    "Hangul choseong filler U+115F": "\u115f", "Hangul jungseong filler U+1160": "\u1160",
    "halfwidth Hangul filler U+FFA0": "\uffa0", "Mongolian vowel separator U+180E": "\u180e",
    "tag latin A U+E0041": "\U000e0041", "ZWSP U+200B": "\u200b", "ZWJ U+200D": "\u200d",
    "word joiner U+2060": "\u2060", "soft hyphen U+00AD": "\u00ad", "BOM U+FEFF": "\ufeff",
}  # fmt: skip

CASES: list[tuple[str, str, str]] = []
for name, char in INVISIBLES.items():
    CASES += [
        (
            f"name with {name}",
            f"My name is Mi{char}chael Br{char}own and I want a refund.",
            "Michael Brown",
        ),
        (f"phone with {name}", f"Call me on 713-5{char}55-01{char}15 tomorrow.", "7135550115"),
        (
            f"email with {name}",
            f"Write to tyler.w{char}est@acme.com please.",
            "tyler.west@acme.com",
        ),
    ]
CASES += [
    ("markdown bold split", "My name is Do**nald** Ward and I want a refund.", "Donald Ward"),
    ("html bold split", "My name is Ste<b>ven</b> Clark and I want a refund.",
     "Steven Clark"),
    ("numeric entity", "My name is &#80;aul Smith and I want a refund.", "Paul Smith"),
    ("entity at sign", "Write to paul.smith&#64;acme.com please.", "paul.smith@acme.com"),
    ("hex entity", "Write to paul.smith&#x40;acme.com please.", "paul.smith@acme.com"),
    ("spaced letters", "My name is M i c h a e l  B r o w n and I want a refund.",
     "Michael Brown"),
    ("bracket at and dot", "Write to tyler [at] acme (dot) com please.", "tyler@acme.com"),
    ("spelled at and dot", "Write to tyler at acme dot com please.", "tyler@acme.com"),
    ("phone with letter O", "Call me on 713-555-O115 tomorrow.", "7135550115"),
    ("phone with underscores", "Call me on 713_555_0115 tomorrow.", "7135550115"),
    ("phone spelled out", "Call me on seven one three five five five zero one one five.",
     "seven one three five five five zero one one five"),
    ("CamelCase name", "My name is MichaelBrown and I want a refund.", "MichaelBrown"),
    ("lower-case IBAN", "Pay to gb82 west 1234 5698 7654 32 today.", "GB82WEST12345698765432"),
    ("dotted card", "My card is 4111.1111.1111.1111 thanks.", "4111111111111111"),
    ("Cyrillic e in email", "Write to tyl\u0435r.west@acme.com please.", "tyler.west@acme.com"),
    ("Armenian o in email", "Write to tyler.west@acme.c\u0585m please.", "tyler.west@acme.com"),
    ("fullwidth digits", "Call me on \uff17\uff11\uff13-555-0115 tomorrow.", "7135550115"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_obfuscated_pii_is_not_readable_after_masking(
    text: str, value: str, detector: PresidioDetector
) -> None:
    prepared = prepare(f"# Ticket\n\n{text}\n", detector)
    assert readable(value, f"# Ticket\n\n{text}\n")  # the check itself sees through the disguise
    assert not readable(value, served_masked(prepared))
