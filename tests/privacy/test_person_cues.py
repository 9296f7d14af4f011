"""Names after introduction and sign-off cues, which the small spaCy model misses."""

from __future__ import annotations

import pytest

from privacy.detector import PresidioDetector
from privacy.person_cues import find_cued_names


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My name is Troy Diaz and I was charged twice.", "Troy Diaz"),
        ("This is Troy Diaz. I need to change the address.", "Troy Diaz"),
        ("Dear support, please help. Regards, Carol Ingram. Contact: x", "Carol Ingram"),
        ("Hello, Charles Wilson here. Order 429 arrived damaged.", "Charles Wilson"),
        ("Thanks, Mary Ann Lee", "Mary Ann Lee"),
        ("i'm Jo Park, writing about order 9", "Jo Park"),
        ("Morgan Hayes writing about order 804: the link fails.", "Morgan Hayes"),
        ("Order late. Teresa Travis here, again.", "Teresa Travis"),
    ],
)
def test_cued_name_is_found(text: str, name: str) -> None:
    (span,) = find_cued_names(text)
    assert text[span[0] : span[1]] == name


@pytest.mark.parametrize(
    "text",
    [
        "This is a refund request for order 12.",
        "My name is not important.",
        "Thanks, see you soon",
    ],
)
def test_lower_case_or_single_words_are_not_names(text: str) -> None:
    assert find_cued_names(text) == []


def test_detector_masks_names_the_model_misses(detector: PresidioDetector) -> None:
    text = "My name is Troy Diaz and I was charged twice for order 877."
    spans = [s for s in detector.detect(text) if s.entity_type == "PERSON"]
    assert any(text[s.start : s.end] == "Troy Diaz" for s in spans)
