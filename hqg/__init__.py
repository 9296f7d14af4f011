"""hqg: an LLM-safe hybrid query gateway.

This package is the kernel every component may import: the error hierarchy and the policy
predicate language (``hqg.predicates``), vocabulary shared by policy, SQL and the vector index,
and nothing else that could grow into a dependency knot. The components are the top-level packages
``privacy``, ``ingestion``, ``retrieval``, ``gateway`` and ``evals`` (see docs/architecture.md).
"""

__version__ = "0.1.0"
