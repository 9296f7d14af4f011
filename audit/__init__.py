"""The tamper-evident audit log: one hash-chained JSONL line per request, and no raw PII.

Callers build an ``AuditRecord`` (identifiers, counts, the policy outcome and the query with its
literals redacted) and ``AuditLog(path).append`` it; ``verify`` proves the file is intact, and
``tail`` / ``iter_records`` read it back for ``hqg audit tail`` and policy replay. Prompts and
answers are not record fields: a caller that keeps any of their text must mask it first.
"""

from audit.chain import GENESIS_HASH, ChainLink
from audit.log import AuditLog
from audit.read import iter_records, tail
from audit.record import AuditRecord
from audit.redact import UNPARSEABLE, redact_sql_literals
from audit.verify import VerifyReport, verify
from hqg.refs import DatasetRef

__all__ = [
    "GENESIS_HASH",
    "UNPARSEABLE",
    "AuditLog",
    "AuditRecord",
    "ChainLink",
    "DatasetRef",
    "VerifyReport",
    "iter_records",
    "redact_sql_literals",
    "tail",
    "verify",
]
