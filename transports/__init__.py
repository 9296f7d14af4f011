"""Transports: parse a request, call a use case of ``gateway``, render the answer."""
