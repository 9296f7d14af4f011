"""The default Rego policy bundle, shipped as package data.

The gateway loads ``*.rego`` and ``data.json`` from ``bundle_dir()`` unless settings name
another directory; OPA servers load the same directory as a bundle.
"""

from pathlib import Path


def bundle_dir() -> Path:
    """Return the directory holding the default policy bundle."""
    return Path(__file__).resolve().parent
