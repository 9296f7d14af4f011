"""The ``hqg`` command line: one small module per command group, assembled in ``app``."""

from cli.app import main

__all__ = ["main"]
