"""Benchmarks: each measures hqg against a baseline in the same run and reports ratios.

Absolute numbers depend on the machine; the ratio to a baseline measured seconds earlier on
the same disk and cores is what a reader can compare across runs (DESIGN.md §7). Run with
``python -m benchmarks [--only NAME] [--quick]``; results land in ``benchmarks/results/``.
"""
