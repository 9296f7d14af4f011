"""Names introduced by a cue phrase: "My name is Troy Diaz", "Regards, Carol Ingram".

The small spaCy model misses names in exactly the places support mail puts them: self
introductions and sign-offs (measured on the demo tickets: 6 of ~200 customers leaked). These
phrases are a strong signal, so a capitalised 2–3 word name right after one is taken as a PERSON.
Over-masking a capitalised phrase after "this is" is the cheap side of the trade.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from presidio_analyzer import EntityRecognizer

_NAME = r"(?P<name>[A-Z][a-z'’\-]+(?:\s[A-Z][a-z'’\-]+){1,2})"
_LEADING = (
    r"my name is|this is|i am|i'm|name:|regards,|best regards,|kind regards,|thanks,|"
    r"thank you,|sincerely,|cheers,|signed,|from:|hi, i'm|hello, i'm"
)
CUE_PATTERNS = (
    re.compile(rf"(?i:\b(?:{_LEADING}))\s+{_NAME}\b"),
    re.compile(rf"(?i:\b(?:hi|hello|hey)),?\s+{_NAME}\s(?i:here)\b"),
    # a sentence that opens with the writer's name: "Morgan Hayes writing about order 804"
    re.compile(rf"(?:^|[.!?]\s+){_NAME}\s(?i:writing|here)\b"),
)
CUE_SCORE = 0.6


def find_cued_names(text: str) -> list[tuple[int, int]]:
    """Character ranges of names that follow a cue phrase."""
    found = {
        (match.start("name"), match.end("name"))
        for pattern in CUE_PATTERNS
        for match in pattern.finditer(text)
    }
    return sorted(found)


def build_person_cue_recognizer() -> EntityRecognizer:
    """A Presidio recognizer reporting ``find_cued_names`` as PERSON."""
    from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

    name = "PersonCueRecognizer"

    class PersonCueRecognizer(LocalRecognizer):
        def load(self) -> None:
            """Nothing to load: the patterns are compiled at import."""

        def analyze(self, text: str, entities: list[str], *args: Any, **kwargs: Any) -> list[Any]:
            metadata = {
                RecognizerResult.RECOGNIZER_NAME_KEY: name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            }
            explanation = AnalysisExplanation(name, CUE_SCORE, textual_explanation="cue phrase")
            return [
                RecognizerResult(
                    "PERSON",
                    start,
                    end,
                    CUE_SCORE,
                    analysis_explanation=explanation,
                    recognition_metadata=dict(metadata),
                )
                for start, end in find_cued_names(text)
            ]

    return PersonCueRecognizer(supported_entities=["PERSON"], name=name)
