"""Adapters that let other frameworks call hqg's use cases."""
