"""What counts as well-formed text in a request, checked once at the edge for every route.

Invalid text is refused before anything else sees it, because every later stage would fail on
it differently: a lone surrogate (``"\\ud800"``, legal in JSON, not in UTF-8) cannot be encoded
into a response, a log line, an audit record or a DuckDB string, so one that slipped through
turned a 404 into a 500 whose audit record disagreed. Refused: malformed or overlong UTF-8 and
encoded surrogates (strict decoding), lone surrogates from JSON escapes, and C0 control
characters other than tab, newline and carriage return (NUL included). Valid but unusual text
(bidi controls, combining marks, non-BMP characters) passes: the size limits bound it.

Errors name where the text was (path, query, a header, the body), never the text itself.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from hqg.errors import InvalidRequest, InvalidText, RequestTooLarge

_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def is_valid_text(text: str) -> bool:
    """No lone surrogate and no control character other than tab, newline, carriage return."""
    return _BAD_CHARS.search(text) is None


def decode_utf8(raw: bytes, *, where: str) -> str:
    """``raw`` as strict UTF-8 text with only valid characters, else ``InvalidText``."""
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidText(f"the request {where} is not valid UTF-8") from exc
    if not is_valid_text(text):
        raise InvalidText(f"the request {where} holds a lone surrogate or a control character")
    return text


def check_target(raw_path: bytes, query_string: bytes) -> None:
    """The percent-decoded path and query string must be valid text."""
    decode_utf8(unquote_to_bytes(raw_path), where="path")
    decode_utf8(unquote_to_bytes(query_string.replace(b"+", b" ")), where="query string")


def check_headers(headers: list[tuple[bytes, bytes]]) -> None:
    """Header values must be valid UTF-8 text (HTTP servers already refuse CR and LF)."""
    for _, value in headers:
        decode_utf8(value, where="header")


def check_form_body(body: bytes) -> None:
    """A form (``application/x-www-form-urlencoded``, the console's) must be valid text once
    percent-decoded, as a query string must. No JSON route parses one: it answers 422."""
    decode_utf8(unquote_to_bytes(body.replace(b"+", b" ")), where="body")


def check_json_body(body: bytes, *, max_depth: int) -> None:
    """A JSON body must decode strictly and hold only valid strings, nested at most
    ``max_depth`` deep. A body that is not JSON at all is left to the route's own parser."""
    text = decode_utf8(body, where="body")
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise _too_deep(max_depth) from exc
    except json.JSONDecodeError as exc:  # says where, never what: the text is the caller's
        raise InvalidRequest(
            f"the request body is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}"
        ) from exc
    _walk(value, max_depth)


def _walk(value: Any, max_depth: int) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not is_valid_text(item):
                raise InvalidText("the request body holds a lone surrogate or a control character")
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise _too_deep(max_depth)
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def _too_deep(max_depth: int) -> RequestTooLarge:
    return RequestTooLarge(
        f"the request body nests JSON deeper than {max_depth} levels",
        limit="HQG_LIMITS__MAX_JSON_DEPTH",
    )
