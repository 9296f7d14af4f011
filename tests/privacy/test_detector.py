"""Integration tests on the real Presidio analyzer and the installed spaCy model."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from evals.suites.pii import load_records
from hqg.errors import PrivacyError
from privacy.detector import PiiDetector, PresidioDetector
from privacy.masker import mask_live
from privacy.operators import MaskKeys, MaskKind
from privacy.settings import PrivacySettings
from privacy.spans import Span
from privacy.vault import PseudonymVault

DATA = Path(__file__).parent / "data"
DETECTION_CASES = json.loads((DATA / "detection_cases.json").read_text(encoding="utf-8"))
NOT_PII_CASES = json.loads((DATA / "not_pii_cases.json").read_text(encoding="utf-8"))
FERNET_KEY = SecretStr(Fernet.generate_key().decode())


def found(detector: PresidioDetector, text: str) -> list[tuple[str, str]]:
    return [(s.entity_type, text[s.start : s.end]) for s in detector.detect(text)]


def test_presidio_detector_satisfies_the_protocol(detector: PresidioDetector) -> None:
    assert isinstance(detector, PiiDetector)


@pytest.mark.parametrize("case", DETECTION_CASES, ids=lambda c: c["value"])
def test_entity_is_detected_in_original_offsets(
    detector: PresidioDetector, case: dict[str, str]
) -> None:
    assert (case["entity"], case["value"]) in found(detector, case["text"])


@pytest.mark.parametrize("case", NOT_PII_CASES, ids=lambda c: c["why"])
def test_non_pii_is_not_detected(detector: PresidioDetector, case: dict[str, str]) -> None:
    types = {entity for entity, _ in found(detector, case["text"])}
    assert types == set() if case["absent"] == "*" else case["absent"] not in types


def test_us_number_is_a_phone_not_an_nhs_number(detector: PresidioDetector) -> None:
    assert found(detector, "Call 212-555-0199 now.") == [("PHONE_NUMBER", "212-555-0199")]


def test_only_enabled_entities_are_reported(privacy_settings: PrivacySettings) -> None:
    emails_only = PresidioDetector(
        privacy_settings.model_copy(update={"entities": ("EMAIL_ADDRESS",)})
    )
    text = "John Smith (john@example.com, +44 20 7946 0958)"
    assert found(emails_only, text) == [("EMAIL_ADDRESS", "john@example.com")]


def test_detect_many_matches_detect(detector: PresidioDetector) -> None:
    texts = [case["text"] for case in DETECTION_CASES] + ["", "   "]
    assert detector.detect_many(texts) == [detector.detect(t) for t in texts]


def test_mask_live_hides_everything_detected(detector: PresidioDetector) -> None:
    text = (
        "John Smith paid with 4111 1111 1111 1111; mail john@example.com or call +44 20 7946 0958."
    )
    vault = PseudonymVault()
    masked = mask_live(text, detector, policy=MaskKind.PSEUDONYM, vault=vault)
    for secret in ("John Smith", "4111 1111 1111 1111", "john@example.com", "+44 20 7946 0958"):
        assert secret not in masked.text
    assert set(masked.entity_types) >= {"PERSON", "CREDIT_CARD", "EMAIL_ADDRESS", "PHONE_NUMBER"}
    assert vault.unmask(masked.text) == text


def test_detection_fails_closed_without_echoing_the_text(detector: PresidioDetector) -> None:
    with pytest.raises(PrivacyError) as info:
        detector.detect(None)  # type: ignore[arg-type]
    assert "detection failed" in str(info.value)


def test_missing_spacy_model_is_refused_not_downloaded(
    privacy_settings: PrivacySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = _forbid_network(monkeypatch)
    settings = privacy_settings.model_copy(update={"spacy_model": "en_core_web_not_installed"})
    with pytest.raises(PrivacyError, match="not installed"):
        PresidioDetector(settings)
    assert attempts == []


def test_detector_builds_and_validates_emails_without_network(
    privacy_settings: PrivacySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = _forbid_network(monkeypatch)
    offline = PresidioDetector(privacy_settings)
    text = "Mail jane.doe@example.co.uk, ops@acme.test or hr@globex.com."
    assert [value for entity, value in found(offline, text) if entity == "EMAIL_ADDRESS"] == [
        "jane.doe@example.co.uk",
        "ops@acme.test",
        "hr@globex.com",
    ]
    assert attempts == []


def _forbid_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def call(*args: object, **kwargs: object) -> Any:
            attempts.append(name)
            raise OSError(f"network access attempted via {name}")

        return call

    class NoNetworkSocket(socket.socket):
        def connect(self, *args: object, **kwargs: object) -> Any:
            return refuse("socket.connect")()

    monkeypatch.setattr(socket, "socket", NoNetworkSocket)
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setenv("TLDEXTRACT_CACHE", "/nonexistent-hqg-test-cache")
    return attempts


_FILLER = st.sampled_from(
    ["please", "contact", "the customer", "about order 17", "today", "and", "or"]
)
_PII_VALUES = (
    "maria.garcia@example.org",
    "+44 20 7946 0958",
    "(555) 123-4567",
    "4111 1111 1111 1111",
    "2221 0000 0000 0009",
    "ops@acme.test",
    "203.0.113.42",
    "５５５-１２３-４５６７",
)
_PII = st.sampled_from(_PII_VALUES)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(_FILLER, _PII), min_size=1, max_size=8), st.sampled_from(list(MaskKind)))
def test_no_detected_value_survives_live_masking(
    detector: PresidioDetector, privacy_settings: PrivacySettings, words: list[str], kind: MaskKind
) -> None:
    text = " ".join(words)
    keys = MaskKeys(hash_salt=privacy_settings.hash_salt, encryption_key=FERNET_KEY)
    detected = [text[s.start : s.end] for s in detector.detect(text)]
    masked = mask_live(text, detector, policy=kind, vault=PseudonymVault(), keys=keys)
    assert all(value not in masked.text for value in detected if len(value) > 4)
    assert all(value not in masked.text for value in words if value in _PII_VALUES)


SYNTH = DATA.parents[2].parent / "shared" / "corpora" / "presidio-synth" / "data"


@pytest.mark.skipif(not (SYNTH / "synth_dataset_v2.json").exists(), reason="shared corpus missing")
def test_concurrent_one_text_calls_share_a_batch_and_each_gets_the_spans_it_gets_alone(
    detector: PresidioDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [r["full_text"] for r in load_records(SYNTH / "synth_dataset_v2.json")[:24]]
    alone = [detector.detect_many([text])[0] for text in texts]
    nlp = detector._engine.nlp_engine
    real, batches = nlp.process_batch, list[int]()
    entered, release = threading.Event(), threading.Event()

    def gated(texts: list[str], **kwargs: Any) -> Any:
        batches.append(len(texts))
        entered.set()
        assert release.wait(60)
        return real(texts, **kwargs)

    monkeypatch.setattr(nlp, "process_batch", gated)
    found: dict[int, list[Span]] = {}

    def call(index: int) -> None:
        found[index] = detector.detect(texts[index])

    first = threading.Thread(target=call, args=(0,))
    first.start()
    assert entered.wait(60)  # the first text is in the model; the others queue behind it
    others = [threading.Thread(target=call, args=(i,)) for i in range(1, len(texts))]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 60
    while detector._one.waiting < len(others) and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in (first, *others):
        thread.join(120)

    assert batches[0] == 1
    assert max(batches[1:]) > 1  # the texts that waited shared model calls
    assert sum(batches) == len(texts)
    assert [found[index] for index in range(len(texts))] == alone
