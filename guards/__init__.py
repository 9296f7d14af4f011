"""Text-risk detectors that are not about PII: prompt injection and jailbreaks, in prompts and
inside documents. Used at ingest (documents get an injection score) and on every prompt.
Imports nothing from hqg's other components but the error hierarchy.

Public API: ``guards.heuristics.HeuristicInjectionDetector`` (an ``InjectionDetector``),
``guards.settings.GuardSettings``, ``guards.verdict.InjectionVerdict``; measurement helpers in
``guards.measure`` (``python -m guards.measure CORPORA_DIR``). See ``docs/guards.md``.
"""
