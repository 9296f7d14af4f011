"""Document identity: ids in a safe alphabet, namespaced by the document's tenant.

The people who write documents are not trusted, so a document's id must not let one file
replace another's. Two rules make that structural:

* every id starts with its tenant's namespace (``acme/…``; ``_all/…`` for documents the
  operator published for every tenant), so a file of one tenant can never name another
  tenant's document, whatever its front matter says (``id: globex/x`` from acme becomes
  ``acme/globex/x``);
* ids (and the file names they default to) use a safe alphabet: no control, format, bidi or
  markup characters, so an id shown in a terminal, a log or a citation reads as what it is.

Within a namespace, the run (``run.py``) lets a file replace or delete only a document whose
recorded source is that file.
"""

from __future__ import annotations

import re

from hqg.errors import IngestError

#: A tenant name: what operators, front matter and path rules may give.
TENANT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_TENANT = re.compile(TENANT_PATTERN)
#: The namespace of documents for every tenant; a tenant name cannot start with ``_``.
ALL_TENANTS_NAMESPACE = "_all"
#: The namespace of a file that failed before its tenant was known.
FAILED_NAMESPACE = "_failed"
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9 _.+=~()-]{0,127}")
MAX_ID_LENGTH = 300


def is_tenant(name: str) -> bool:
    return _TENANT.fullmatch(name) is not None


def check_tenant(name: str, *, where: str) -> str:
    """``name`` if it is a valid tenant name; an ``IngestError`` naming ``where`` otherwise."""
    if not is_tenant(name):
        raise IngestError(f"{where}: a tenant is lower-case letters, digits, '_' or '-' (max 63)")
    return name


def is_safe_id(value: str) -> bool:
    """Whether ``value`` is ``/``-separated segments of the safe alphabet (no ``.``/``..``)."""
    if not value or len(value) > MAX_ID_LENGTH:
        return False
    return all(
        _SEGMENT.fullmatch(segment) is not None
        and segment not in (".", "..")
        and segment == segment.strip()
        for segment in value.split("/")
    )


def namespaced(local_id: str, *, tenant: str | None) -> str:
    """The stored id of ``local_id`` for ``tenant`` (``None``: for every tenant).

    An id that already starts with its own namespace keeps it (``acme/refunds`` in acme); any
    other gets the namespace in front, so it can never land in another tenant's namespace.
    """
    namespace = tenant if tenant is not None else ALL_TENANTS_NAMESPACE
    prefix = f"{namespace}/"
    return local_id if local_id.startswith(prefix) else prefix + local_id


def failed_id(relative: str) -> str:
    """The catalog id of a file that failed before it had an id of its own: it cannot
    collide with a real document's id, so recording the failure never touches another's."""
    return f"{FAILED_NAMESPACE}/{relative}"
