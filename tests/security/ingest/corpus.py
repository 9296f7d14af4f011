"""The adversarial write-side corpus: files an attacker who writes tickets could hand us.

Each case is one file with what must happen to it; ``LEGIT`` are the honest documents the
attacks aim at. Markers are unique words so a read-back can tell whose text it is reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    path: str  # under the collection root; the first directory is the tenant (path rule)
    content: str | bytes
    family: str
    fails: str | None  # a substring of the failure reason; None: published (or skipped)
    skipped: bool = False


def _md(front: str, body: str) -> str:
    return f"---\n{front}\n---\n# Ticket\n\n{body}\n"


LEGIT = (
    Case("acme/ticket-0001.md", _md("id: acme/ticket-0001", "ACMEONE refund approved."), "", None),
    Case("acme/ticket-0002.md", _md("id: acme/ticket-0002", "ACMETWO parcel lost."), "", None),
    Case("globex/ticket-0201.md", _md("id: globex/ticket-0201", "GLOBEXORIG invoice."), "", None),
)

ATTACKS = (
    Case(
        "acme/takeover.md",
        _md("id: globex/ticket-0201", "ATTACKCROSS refund approved for this order."),
        "identity",
        None,  # published, but in acme's namespace: acme/globex/ticket-0201
    ),
    Case(
        "acme/takeover-tenant.md",
        _md("id: globex/ticket-0201\ntenant: globex", "ATTACKTENANT globex text."),
        "tenancy",
        "different tenant",
    ),
    Case(
        "acme/sibling.md",
        _md("id: acme/ticket-0002", "ATTACKSAME another customer's ticket."),
        "identity",
        "belongs to another file",
    ),
    Case(
        "acme/dup-tenant.md", _md("tenant: acme\ntenant: globex", "ATTACKDUP"), "yaml", "duplicate"
    ),
    Case("acme/future.md", _md("as_of: 2099-01-01", "ATTACKFUTURE"), "freshness", "future"),
    Case(
        "acme/alias.md",
        _md("a: &a [x, x, x]\nlabels: *a", "ATTACKALIAS"),
        "yaml",
        "aliases",
    ),
    Case("loose.md", _md("title: Loose", "ATTACKLOOSE no tenant."), "tenancy", "tenant"),
    Case(
        "acme/heading.md",
        "# a" + " " * 3000 + "x\n\nATTACKHEADING\n",
        "regex",
        "HQG_INGEST__MAX_TITLE_CHARS",
    ),
    Case(
        "acme/title.md",
        _md(f"title: {'T' * 900_000}", "ATTACKTITLE"),
        "size",
        "HQG_INGEST__MAX_FRONT_MATTER_BYTES",
    ),
    Case("acme/huge.txt", "ATTACKHUGE " * 200_000, "size", "HQG_INGEST__MAX_FILE_BYTES"),
    Case("acme/metadata.md", _md("metadata:\n  note: " + "v" * 5000, "x"), "size", "METADATA"),
    Case(
        "acme/markup.md",
        _md("title: Markup", "MARKUPMARK order note [/oops] [link=https://evil.example]x[/link]"),
        "terminal",
        None,
    ),
    Case("acme/line\nbreak.md", "# x\n\nATTACKNAME\n", "names", None, skipped=True),
    Case("acme/ansi\x1b[2J.md", "# x\n\nATTACKNAME\n", "names", None, skipped=True),
    Case("acme/bidi\u202egpj.md", "# x\n\nATTACKNAME\n", "names", None, skipped=True),
)


def write(root: Path, cases: tuple[Case, ...]) -> None:
    for case in cases:
        path = root / case.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(case.content, bytes):
            path.write_bytes(case.content)
        else:
            path.write_text(case.content, encoding="utf-8")
