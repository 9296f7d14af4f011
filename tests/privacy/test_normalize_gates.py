"""The gated detection normalisation equals running every stage, text and offset map alike.

Each rewrite stage of ``privacy.normalize`` runs only on a text its cheap gate matches; a gate
that missed a text its stage would change would hide PII from every detector. So the gated
result is compared with the ungated one (each stage's gate replaced by one that always
matches) on real texts (the presidio-synth corpus, the demo's documents and the strings of
demo search responses' shapes), the obfuscations the stages exist for, and generated strings
over the characters the gates look at.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demo.documents import write_demo_documents
from hqg.markup_text import strip_markup
from hqg.offset_text import OffsetText
from hqg.text_normalize import fold
from privacy.normalize import _STAGES, _rewritten, normalize_for_detection
from tests.privacy.test_normalize import tricky_text
from tests.workspaces import DEMO_REFERENCE

SYNTH = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora" / "presidio-synth"
SYNTH_DATASET = SYNTH / "data" / "synth_dataset_v2.json"

_ALWAYS = re.compile("")
_UNGATED = tuple(replace(stage, gate=_ALWAYS) for stage in _STAGES)

ADVERSARIAL = [
    # markup, entities, zero-width and look-alikes around the rewrites
    "Do**nald** wrote",
    "Ste<b>ven</b> wrote",
    "&#80;aul at jane&#64;acme.com",
    "Ja\ufe0fne Do\u2066e",
    "jаne@exаmple.com",
    "J\u200ba\u200bn\u200be D\u200bo\u200be",
    "Jane\u00adDoe",
    "ＪａｎｅＤｏｅ",
    # e-mail obfuscations
    "jane [at] acme (dot) com",
    "jane at acme dot com",
    "jane AT acme DOT com",
    "jane (At) acme {Dot} co <dot> uk",
    "jane[at]acme[dot]com",
    "jane.doe [ at ] mail . example . org",
    "jane\tat\tacme\tdot\tcom",
    "sales at acme.com",
    "write to jane@acme.com or jane [at] acme.com",
    "j&#64;acme&#46;com",
    "jane＠acme．com",
    # spaced letters
    "J a n e  D o e",
    "J a n e   D o e called",
    "7 1 3 5 5 5 0 1 1 5",
    "a b",
    "x y z",
    # CamelCase
    "JaneDoe",
    "Hi JaneDoe!",
    "MaryJaneWatsonParker",
    "iPhone McDonald",
    # digits and look-alikes
    "713-555-O115 713_555_0115",
    "call 2O6.555.Ol23 now",
    "O-1-2-3",
    "1_2_3",
    "l23",
    "ssn 123_45_6789",
    "card 4111 1111 1111 111l",
    "order 2026-11-01 ref 12",
    "٠١٢٣ and ４１１１ １１１１",
    # IBANs
    "iban de89 3704 0044 0532 0130 00",
    "IBAN gb82west12345698765432",
    "DE89370400440532013000",
    "de89370400440532013000x",
    # placeholders and ids as egress sees them
    "<PERSON_1> wrote to <EMAIL_ADDRESS_2>",
    "0410cfce-25f5-5de4-9f76-4d23fe4f9f58",
    "00a6f153c30f4b968b016d3c4582ee84",
    "",
    " ",
    "\n\n",
]


def _ungated(text: str) -> OffsetText:
    mapped = strip_markup(text)
    return _rewritten(mapped.then(fold(mapped.text)), _UNGATED)


def _same(text: str) -> bool:
    gated, full = normalize_for_detection(text), _ungated(text)
    return (
        gated.text == full.text
        and gated.original_length == full.original_length
        and list(gated.origin_start) == list(full.origin_start)
        and list(gated.origin_end) == list(full.origin_end)
    )


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_the_gated_normalisation_equals_every_stage_run_on_obfuscations(text: str) -> None:
    assert _same(text)


def test_the_gates_still_let_the_obfuscations_through() -> None:
    changed = {
        "jane [at] acme (dot) com": "jane@acme.com",
        "J a n e  D o e": "Jane Doe",
        "JaneDoe": "Jane Doe",
        "713-555-O115": "713-555-0115",
        "iban de89 3704 0044 0532 0130 00": "iban DE89 3704 0044 0532 0130 00",
    }
    assert {text: normalize_for_detection(text).text for text in changed} == changed


@pytest.mark.skipif(not SYNTH_DATASET.exists(), reason=f"shared corpus missing: {SYNTH_DATASET}")
def test_the_gated_normalisation_equals_every_stage_run_on_the_presidio_synth_texts() -> None:
    texts = [r["full_text"] for r in json.loads(SYNTH_DATASET.read_text(encoding="utf-8"))]
    assert len(texts) > 1000
    assert [t for t in texts if not _same(t)] == []


def test_the_gated_normalisation_equals_every_stage_run_on_the_demo_documents(
    tmp_path: Path,
) -> None:
    written = write_demo_documents(tmp_path, seed=7, reference_time=DEMO_REFERENCE)
    texts = [doc.path.read_text(encoding="utf-8") for doc in written.documents]
    # each whole document, and each paragraph and line (the shape of chunks and titles)
    pieces = {piece for text in texts for piece in (text, *text.split("\n\n"), *text.split("\n"))}
    assert len(texts) > 50
    assert [i for i, piece in enumerate(sorted(pieces)) if not _same(piece)] == []


# the characters every gate and stage looks at, so generated strings hit their edges
_GATE_ALPHABET = st.sampled_from(
    list("atdoATDOIlLmn0123456789_.-@[](){}<> \t\n*&#;") + ["\u200b", "а", "０", "ﬁ", "\u0301"]
)


@settings(max_examples=1500)
@given(st.text(alphabet=_GATE_ALPHABET, max_size=48))
def test_the_gated_normalisation_equals_every_stage_run_on_strings_of_gate_characters(
    text: str,
) -> None:
    assert _same(text)


@settings(max_examples=500)
@given(tricky_text)
def test_the_gated_normalisation_equals_every_stage_run_on_tricky_unicode(text: str) -> None:
    assert _same(text)
