"""Tests of the transports (mirrors ``transports/``)."""
