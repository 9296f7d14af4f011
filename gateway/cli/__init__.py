"""The ``hqg`` command line: one small module per command group, assembled in ``app``."""

from gateway.cli.app import main

__all__ = ["main"]
