"""Row filters read as words in the access review."""

from __future__ import annotations

from hqg.predicates import in_words, parse_predicate


def test_a_filter_reads_as_a_sentence_with_nested_groups_in_parentheses() -> None:
    predicate = parse_predicate(
        {
            "all": [
                {"column": "tenant_id", "op": "=", "value": "acme"},
                {
                    "any": [
                        {"column": "rank", "op": "<=", "value": 2},
                        {"column": "label", "op": "in", "value": ["a", "b"]},
                    ]
                },
                {"not": {"column": "deleted_at", "op": "not_null"}},
            ]
        }
    )
    assert in_words(predicate) == (
        "tenant_id is 'acme' and (rank is at most 2 or label is one of ('a', 'b'))"
        " and not (deleted_at is not empty)"
    )


def test_no_filter_means_every_row() -> None:
    assert in_words(None) == "every row"
