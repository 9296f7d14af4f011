"""PII detection, masking operators and the request-scoped pseudonym vault.

Detection (Presidio analyzer, offline) returns ``Span`` values; masking splices spans. Spans are
found once at ingest and stored, so reading never re-runs NER. Imports nothing from hqg's other
components.
"""
