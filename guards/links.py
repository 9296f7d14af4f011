"""The URLs a renderer would fetch or offer from a text: markdown images and links (inline and by
reference), HTML attributes (``src``, ``href``, ``srcset``, ``poster``, ``background``,
``action``, ``data``) and CSS ``url(…)``.

A client that renders a model's markdown fetches every image at once: an image URL whose query,
path or sub-domain holds the conversation is a beacon that needs no click. A link needs a click
but carries the same data. So the exfiltration rules ask two questions of each URL: does it
point at a host the operator has not allow-listed, and does it carry data?
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import SplitResult, urlsplit

Kind = Literal["resource", "link"]

_MD_IMAGE = re.compile(r"!\[[^\]\n]{0,300}\]\(\s*<?([^)\s>]{1,2000})")
_MD_LINK = re.compile(r"(?<!!)\[[^\]\n]{0,300}\]\(\s*<?([^)\s>]{1,2000})")
_MD_REFERENCE = re.compile(r"^[ \t]{0,3}\[[^\]\n]{1,100}\]:[ \t]*<?(\S{1,2000}?)>?(?:\s|$)", re.M)
_MD_IMAGE_BY_REFERENCE = re.compile(r"!\[[^\]\n]{0,300}\]\[[^\]\n]{0,100}\]")
_HTML_ATTRIBUTE = re.compile(
    r"<([a-z][a-z0-9]{0,15})\b[^>]{0,500}?\b(src|srcset|href|poster|background|action|data)"
    r"\s*=\s*[\"']?([^\"'\s>]{1,2000})"
)
_CSS_URL = re.compile(r"\burl\(\s*[\"']?([^\"')\s]{1,2000})")
_LINK_TAGS = frozenset({"a", "area", "form"})

# Data in a URL: a query or fragment with a value, a template placeholder, or a path segment /
# sub-domain label long and mixed enough to be an encoded payload rather than a word.
_PLACEHOLDER = re.compile(r"[{}$<>\[\]]|%7b|%3c|%5b|\.\.\.", re.IGNORECASE)
_PAYLOAD_TOKEN = re.compile(r"^(?=[^.]*\d)(?=[^.]*[a-z])[a-z0-9+/=_%-]{20,}$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MarkupUrl:
    """One URL from markup; ``host`` is lower-case, None for relative and ``data:`` URLs."""

    url: str
    host: str | None
    kind: Kind
    carries_data: bool


def markup_urls(text: str) -> list[MarkupUrl]:
    """Every URL a renderer of ``text`` would fetch (``resource``) or offer (``link``)."""
    found: list[MarkupUrl] = []
    reference_images = _MD_IMAGE_BY_REFERENCE.search(text) is not None
    for match in _MD_IMAGE.finditer(text):
        found.append(_parse(match.group(1), "resource"))
    for match in _MD_LINK.finditer(text):
        found.append(_parse(match.group(1), "link"))
    for match in _MD_REFERENCE.finditer(text):
        found.append(_parse(match.group(1), "resource" if reference_images else "link"))
    for match in _HTML_ATTRIBUTE.finditer(text):
        tag, attribute, url = match.group(1).lower(), match.group(2).lower(), match.group(3)
        link = tag in _LINK_TAGS or (attribute == "href" and tag != "link")
        found.append(_parse(url, "link" if link else "resource"))
    for match in _CSS_URL.finditer(text):
        found.append(_parse(match.group(1), "resource"))
    return found


def host_allowed(host: str, allowed: frozenset[str]) -> bool:
    """``host`` is an allow-listed name or a sub-domain of one (``cdn.acme.test`` under
    ``acme.test``)."""
    return any(host == entry or host.endswith("." + entry) for entry in allowed)


def _parse(url: str, kind: Kind) -> MarkupUrl:
    cleaned = url.strip().strip("\"'")
    try:
        parts = urlsplit(cleaned if "://" in cleaned[:12] else _scheme_relative(cleaned))
        host = parts.hostname
    except ValueError:
        return MarkupUrl(url=cleaned, host="invalid.", kind=kind, carries_data=True)
    if parts.scheme not in ("http", "https", "ftp", "ws", "wss") or not host:
        return MarkupUrl(url=cleaned, host=None, kind=kind, carries_data=False)
    host = host.rstrip(".").lower()
    return MarkupUrl(url=cleaned, host=host, kind=kind, carries_data=_carries_data(parts, host))


def _scheme_relative(url: str) -> str:
    return "https:" + url if url.startswith("//") else url


def _carries_data(parts: SplitResult, host: str) -> bool:
    query, fragment, path = parts.query, parts.fragment, parts.path
    if ("=" in query and query.split("=", 1)[1]) or (query and len(query) >= 8):
        return True
    if "=" in fragment or len(fragment) >= 20:
        return True
    if _PLACEHOLDER.search(path + "?" + query):
        return True
    labels = host.split(".")[:-2]
    segments = [s for s in path.split("/") if s]
    return any(_PAYLOAD_TOKEN.match(token) for token in (*labels, *segments))
