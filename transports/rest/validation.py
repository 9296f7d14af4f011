"""What a 422 says: for each problem, where it is (by the API's own field names) and what is
wrong with it (the type, range or values allowed), never the value sent.

Pydantic's messages are not used as they are: some quote the input (a custom validator's
text), and its locations carry internal tags (``list[TextPart]``, ``function-after[…]``) that
mean nothing to a client. A problem is described from its type and its context (the bounds,
the allowed values, the pattern), which come from the model, not from the request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MAX_PROBLEMS = 10

_TYPES = {
    "string_type": "a string",
    "string_unicode": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "none_required": "null",
    "datetime_type": "an ISO 8601 date-time",
    "datetime_parsing": "an ISO 8601 date-time",
    "datetime_from_date_parsing": "an ISO 8601 date-time",
    "date_parsing": "an ISO 8601 date",
    "timezone_aware": "a date-time with a UTC offset (e.g. Z)",
    "url_parsing": "a URL",
    "uuid_parsing": "a UUID",
}
_BOUNDS = {
    "greater_than": ("gt", "greater than {}"),
    "greater_than_equal": ("ge", "at least {}"),
    "less_than": ("lt", "less than {}"),
    "less_than_equal": ("le", "at most {}"),
    "string_too_short": ("min_length", "at least {} character(s) long"),
    "string_too_long": ("max_length", "at most {} character(s) long"),
    "too_short": ("min_length", "at least {} item(s) long"),
    "too_long": ("max_length", "at most {} item(s) long"),
    "bytes_too_short": ("min_length", "at least {} byte(s) long"),
    "bytes_too_long": ("max_length", "at most {} byte(s) long"),
}
#: Location parts pydantic adds for the members of a union (``str``, ``list[TextPart]``,
#: ``function-after[…]``): internal, so dropped from the location shown.
_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "bytes", "none", "list", "dict", "tuple"})


def describe(errors: Iterable[Mapping[str, Any]]) -> str:
    """One line naming every problem: ``field: what is wrong; …`` (at most ``MAX_PROBLEMS``)."""
    problems: dict[str, list[str]] = {}
    for error in errors:
        where = location(error)
        what = problem(error)
        if what not in problems.setdefault(where, []):
            problems[where].append(what)
    lines = [f"{where}: {' or '.join(whats)}" for where, whats in problems.items()]
    more = len(lines) - MAX_PROBLEMS
    return "; ".join(lines[:MAX_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")


def location(error: Mapping[str, Any]) -> str:
    """Where a problem is, by the API's field names: ``body`` is implied, a query or path
    parameter is prefixed, an unknown key (the caller's text) is never echoed."""
    parts = [str(part) for part in error.get("loc", ())]
    if error.get("type") == "extra_forbidden" and parts:
        parts[-1] = "<unknown field>"
    if error.get("type") == "json_invalid":
        parts = parts[:1]  # the offset: where is said by the message
    if parts and parts[0] == "body":
        parts = parts[1:]
    kept = [part for part in parts if not _is_type_tag(part)]
    return ".".join(kept) or "body"


def problem(error: Mapping[str, Any]) -> str:
    """What is wrong, from the error's type and context (never its input)."""
    kind = str(error.get("type", ""))
    context: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field of this request"
    if kind == "json_invalid":
        return "is not valid JSON"
    if kind in _TYPES:
        return f"must be {_TYPES[kind]}"
    if kind in ("literal_error", "enum") and "expected" in context:
        return f"must be one of {context['expected']}"
    if kind in _BOUNDS and _BOUNDS[kind][0] in context:
        key, text = _BOUNDS[kind]
        return "must be " + text.format(context[key])
    if kind == "string_pattern_mismatch" and "pattern" in context:
        return f"must match the pattern {context['pattern']}"
    if kind == "union_tag_invalid" and "expected_tags" in context:
        return f"must have a type among {context['expected_tags']}"
    return "is not valid"


def _is_type_tag(part: str) -> bool:
    return part in _TYPE_TAGS or "[" in part or "-" in part or part[:1].isupper()
