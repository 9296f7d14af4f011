from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from hqg.errors import PrivacyError
from privacy.masker import mask_text
from privacy.operators import MaskKeys, MaskKind, decrypt_value
from privacy.spans import Span
from privacy.vault import PseudonymVault

KEYS = MaskKeys(
    hash_salt=SecretStr("salt-salt"), encryption_key=SecretStr(Fernet.generate_key().decode())
)
ENTITIES = ["PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"]

# Filler is lowercase; PII values hold an '@', which no mask output contains, so a value found
# in the masked text can only have survived masking.
filler = st.text(alphabet="abc .,", max_size=12)
pii_value = st.text(alphabet="XYZ0123456789@", min_size=6, max_size=16).filter(lambda v: "@" in v)


@st.composite
def text_with_spans(draw: st.DrawFn) -> tuple[str, list[Span], list[str]]:
    parts: list[str] = []
    spans: list[Span] = []
    values: list[str] = []
    cursor = 0
    for _ in range(draw(st.integers(0, 6))):
        gap = draw(filler)
        value = draw(pii_value)
        start = cursor + len(gap)
        parts += [gap, value]
        spans.append(
            Span(
                entity_type=draw(st.sampled_from(ENTITIES)),
                start=start,
                end=start + len(value),
                score=0.9,
            )
        )
        values.append(value)
        cursor = start + len(value)
    parts.append(draw(filler))
    return "".join(parts), spans, values


def span(entity: str, start: int, end: int) -> Span:
    return Span(entity_type=entity, start=start, end=end, score=0.9)


def test_spans_are_spliced_with_the_policy_kind_per_entity() -> None:
    text = "Ann Lee wrote from ann@example.com today"
    spans = [span("PERSON", 0, 7), span("EMAIL_ADDRESS", 19, 34)]
    policy = {"PERSON": MaskKind.PSEUDONYM, "EMAIL_ADDRESS": MaskKind.REDACT}
    masked = mask_text(text, spans, policy=policy, vault=PseudonymVault())
    assert masked.text == "<PERSON_1> wrote from [REDACTED] today"
    assert masked.entity_counts == {"PERSON": 1, "EMAIL_ADDRESS": 1}
    assert masked.entity_types == ("EMAIL_ADDRESS", "PERSON")
    assert masked.masked_count == 2


def test_entity_missing_from_the_policy_gets_a_placeholder() -> None:
    masked = mask_text(
        "call 555-123-4567", [span("PHONE_NUMBER", 5, 17)], policy={}, vault=PseudonymVault()
    )
    assert masked.text == "call <PHONE_NUMBER>"


def test_null_removes_the_value_from_text() -> None:
    masked = mask_text(
        "x Ann y", [span("PERSON", 2, 5)], policy=MaskKind.NULL, vault=PseudonymVault()
    )
    assert masked.text == "x  y"


def test_overlapping_spans_are_masked_as_their_union() -> None:
    text = "mail john.smith@example.com"
    spans = [span("PERSON", 5, 15), span("EMAIL_ADDRESS", 5, 27)]
    masked = mask_text(text, spans, policy=MaskKind.PLACEHOLDER, vault=PseudonymVault())
    assert masked.text == "mail <EMAIL_ADDRESS>"


def test_encrypt_and_hash_use_the_deployment_keys() -> None:
    text = "Ann"
    encrypted = mask_text(
        text, [span("PERSON", 0, 3)], policy=MaskKind.ENCRYPT, vault=PseudonymVault(), keys=KEYS
    )
    assert decrypt_value(encrypted.text, key=KEYS.encryption_key) == "Ann"
    with pytest.raises(PrivacyError):
        mask_text(text, [span("PERSON", 0, 3)], policy=MaskKind.HASH, vault=PseudonymVault())


def test_span_past_the_end_of_the_text_fails_closed() -> None:
    with pytest.raises(PrivacyError) as info:
        mask_text("Ann", [span("PERSON", 0, 9)], policy=MaskKind.REDACT, vault=PseudonymVault())
    assert "Ann" not in str(info.value)


@pytest.mark.slow
@given(text_with_spans(), st.sampled_from(list(MaskKind)))
def test_no_span_value_survives_masking(
    case: tuple[str, list[Span], list[str]], kind: MaskKind
) -> None:
    text, spans, values = case
    masked = mask_text(text, spans, policy=kind, vault=PseudonymVault(), keys=KEYS)
    assert all(value not in masked.text for value in values)
    assert masked.masked_count == len(spans)


@given(
    st.text(alphabet=st.characters(blacklist_characters="<", codec="utf-8"), max_size=60),
    st.lists(
        st.tuples(st.sampled_from(ENTITIES), st.integers(0, 59), st.integers(1, 10)), max_size=8
    ),
)
def test_unmask_restores_text_masked_with_pseudonyms(
    text: str, raw: list[tuple[str, int, int]]
) -> None:
    spans = [span(e, s, min(s + n, len(text))) for e, s, n in raw if s < len(text)]
    vault = PseudonymVault()
    masked = mask_text(text, spans, policy=MaskKind.PSEUDONYM, vault=vault)
    assert vault.unmask(masked.text) == text


@given(text_with_spans())
def test_a_value_masked_twice_in_one_request_gets_one_pseudonym(
    case: tuple[str, list[Span], list[str]],
) -> None:
    text, spans, values = case
    vault = PseudonymVault()
    first = mask_text(text, spans, policy=MaskKind.PSEUDONYM, vault=vault)
    second = mask_text(text, spans, policy=MaskKind.PSEUDONYM, vault=vault)
    assert first.text == second.text
    assert len(vault) == len({(s.entity_type, v) for s, v in zip(spans, values, strict=True)})
