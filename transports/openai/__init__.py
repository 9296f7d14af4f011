"""The OpenAI-compatible chat wire format over the ask use case."""
