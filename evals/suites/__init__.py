"""The suites: ``<name>.yaml`` (data, thresholds, smoke subset) beside a module whose
``measure(ctx, config) -> SuiteOutcome`` computes the metrics."""
