"""Text-risk detectors that are not about PII: prompt injection and jailbreaks, in prompts and
inside documents. Used at ingest (documents get an injection score) and on every prompt.
Imports nothing from hqg's other components but the error hierarchy.

Public API: ``guards.heuristics.HeuristicInjectionDetector`` (an ``InjectionDetector``),
``guards.settings.GuardSettings``, ``guards.verdict.InjectionVerdict``; the optional learned
signal ``guards.learned.LearnedInjectionDetector`` (weights trained by
``evals.injection_classifier``); measurement helpers in ``guards.measure``
(``python -m guards.measure CORPORA_DIR``); training scripts in ``guards.train``. See
``docs/guards.md``.
"""
