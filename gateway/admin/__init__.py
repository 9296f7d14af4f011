"""Admin use cases: explain (dry run), simulate, row counts."""
