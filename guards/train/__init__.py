"""Training scripts for the guards' learned parts; run them to reproduce the shipped files in
``guards/data/`` (each writes the file and a manifest with its sources' hashes)."""
