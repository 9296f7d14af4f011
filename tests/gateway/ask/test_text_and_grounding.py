from __future__ import annotations

from gateway.ask.grounding import support
from gateway.ask.relevance import focus, question_weights
from gateway.ask.text import numbers, sentences, split_answer, stem


def test_stemmer_joins_inflections() -> None:
    assert stem("refunds") == stem("refunded") == "refund"


def test_numbers_are_normalised() -> None:
    assert numbers("within 30 days, $1,000.50 or 10% and 7.95") == {"30", "1000.5", "10", "7.95"}


def test_sentences_keep_their_heading_and_drop_markup() -> None:
    found = list(sentences("## Refund window\n\nA **full** refund within 30 days. Then credit."))
    assert [s.text for s in found] == ["A full refund within 30 days.", "Then credit."]
    assert {s.heading for s in found} == {"Refund window"}


def test_answer_citation_stays_with_its_sentence() -> None:
    assert split_answer("Refunds take 30 days [1]. Shipping is free [2].") == [
        "Refunds take 30 days [1].",
        "Shipping is free [2].",
    ]


def test_supported_claim_scores_one_and_wrong_number_is_capped() -> None:
    evidence = ["Customers may return an item for a full refund within 30 days of delivery."]
    assert support("Customers get a full refund within 30 days.", evidence).score == 1.0
    wrong = support("Customers get a full refund within 365 days.", evidence)
    assert wrong.score <= 0.2
    assert wrong.unsupported_numbers == ("365",)


def test_terms_of_the_question_are_not_counted_as_hallucinated() -> None:
    result = support("Arthur's Magazine", ["Arthur's Magazine (1844) was a periodical."])
    assert result.score == 1.0
    assert support("Mumbai", ["The head office is in Delhi."], question="Which city?").score == 0.0


def test_focus_keeps_the_question_sentence() -> None:
    assert focus("My name is <PERSON_1>. What is the refund window?") == (
        "What is the refund window?"
    )


def test_a_masked_name_in_the_question_must_be_matched_by_the_same_token() -> None:
    weights = question_weights("What is <PERSON_1>'s refund window?")
    assert weights["<PERSON_1>"] == 2.0


def test_names_in_a_question_weigh_double_and_how_long_is_not_a_topic() -> None:
    weights = question_weights("How long is the Globex refund window?")
    assert weights == {"globex": 2.0, "refund": 1.0, "window": 1.0}
