"""People's names and other identifiers in file names and front-matter ids are withheld behind
a safe id.

A file name becomes a document's id, its ``source`` in every citation and the catalog's record,
and none of those can be masked without breaking what they name. ``jane-doe-complaint.md`` or
``TylerWest.md`` would show a customer's name to every reader of the collection. NER does not
read ``jane-doe-complaint`` as a name, so each path segment is *spoken* first (separators and
CamelCase become spaces, words capitalised: ``Jane Doe Complaint``) and scanned; a segment in
which a PERSON span covers at least two words (a given name and a surname, or a known entity) is
replaced by ``_withheld-<digest>`` (the digest of the segment, so the id is stable across runs and
siblings under a withheld directory stay together). A segment holding an e-mail address, a phone,
card, IBAN or SSN number (``IDENTIFYING``, found in the segment as written: speaking it would
break the value apart) is withheld the same way, before anything records the path: the run
report and the catalog keep only the safe id, even for a document that fails later. The
document is still indexed, under the safe id; its title (which defaults to the file name) is
scanned and masked on read like any text. A single capitalised word is not enough: NER reads
``Readme`` or ``Charlie`` as a person, and one given name rarely identifies anyone. A false
positive only makes an id opaque.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from privacy.detection import detect_distinct
from privacy.detector import PiiDetector
from privacy.spans import Span

WITHHELD_PREFIX = "_withheld-"
#: Entity types that identify someone by themselves, wherever they appear in a path segment.
IDENTIFYING = frozenset({"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN"})
_WORD_BREAK = re.compile(
    r"[\s\-_.+=~()]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])"
)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")
_MIN_NAME_WORDS = 2


def spoken(segment: str) -> str:
    """``jane-doe_complaint`` / ``JaneDoeComplaint`` → ``Jane Doe Complaint``."""
    return " ".join(word.capitalize() for word in _WORD_BREAK.split(segment) if word)


def withhold_names(
    paths: Sequence[str], detector: PiiDetector, *, keep_first: bool = False
) -> list[str]:
    """Each ``/``-separated path with the segments holding a person's name or an identifier
    withheld (the last segment's extension is kept). One detector call for all of them, each
    distinct segment once (every path repeats its directories).
    ``keep_first``: the first directory names a tenant (a ``path`` collection), never a person."""
    split = [path.split("/") for path in paths]
    bare = [[_EXTENSION.sub("", part) if i == len(parts) - 1 else part
             for i, part in enumerate(parts)] for parts in split]  # fmt: skip
    said = [spoken(part) for parts in bare for part in parts]
    written = [part for parts in split for part in parts]
    found = detect_distinct(detector, [*said, *written])
    out: list[str] = []
    at = 0
    for parts, stems in zip(split, bare, strict=True):
        kept = []
        for index, (part, stem) in enumerate(zip(parts, stems, strict=True)):
            tenant = keep_first and index == 0 and len(parts) > 1
            named = _holds_a_name(said[at], found[at])
            identifying = _identifies(found[at]) or _identifies(found[len(said) + at])
            at += 1
            kept.append(_withheld(part, stem) if not tenant and (named or identifying) else part)
        out.append("/".join(kept))
    return out


def withhold_all(path: str, *, keep_first: bool = False) -> str:
    """``path`` with every segment withheld (but a tenant directory, as in ``withhold_names``):
    for a path the detector failed on, which may hold anything."""
    parts = path.split("/")
    return "/".join(
        part if keep_first and index == 0 and len(parts) > 1
        else _withheld(part, _EXTENSION.sub("", part) if index == len(parts) - 1 else part)
        for index, part in enumerate(parts)
    )  # fmt: skip


def _withheld(part: str, stem: str) -> str:
    digest = hashlib.sha256(part.encode("utf-8")).hexdigest()[:12]
    return WITHHELD_PREFIX + digest + part[len(stem) :]


def _holds_a_name(text: str, spans: list[Span]) -> bool:
    return any(
        span.entity_type == "PERSON" and len(text[span.start : span.end].split()) >= _MIN_NAME_WORDS
        for span in spans
    )


def _identifies(spans: list[Span]) -> bool:
    return any(span.entity_type in IDENTIFYING for span in spans)
