"""Evaluation suites that gate CI (enforcement, leakage, retrieval, detectors)."""
