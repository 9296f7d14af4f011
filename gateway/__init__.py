"""The request side: identity, policy engines, audit, the HTTP API and the ``hqg`` CLI."""
