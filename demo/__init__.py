"""The demo workspace's sources: a deterministic multi-tenant shop (tenants acme and globex).

It is both the showcase and the test fixture. ``write_demo_sources`` writes one file per table
(CSV, Parquet, NDJSON, a JSON array: one of each loader) with its packaged contract,
``demo_principals`` gives the demo API keys, and ``demo_ground_truth`` the PII canaries that
must never leak. ``write_demo_documents`` writes the document collections (handbook, tickets,
hr, products) as Markdown with front matter, with planted stale pages and prompt injections.
``build_demo`` (elsewhere) ingests these.
"""

from demo.data import DEMO_REFERENCE_TIME, TENANTS
from demo.documents import DemoDocument, DemoDocuments, write_demo_documents
from demo.ground_truth import DemoGroundTruth, TenantCanaries, demo_ground_truth
from demo.injections import PlantedInjection
from demo.policies import TenantFacts
from demo.principals import demo_principals
from demo.sources import DemoSources, DemoTable, contract_path, write_demo_sources

__all__ = [
    "DEMO_REFERENCE_TIME",
    "TENANTS",
    "DemoDocument",
    "DemoDocuments",
    "DemoGroundTruth",
    "DemoSources",
    "DemoTable",
    "PlantedInjection",
    "TenantCanaries",
    "TenantFacts",
    "contract_path",
    "demo_ground_truth",
    "demo_principals",
    "write_demo_documents",
    "write_demo_sources",
]
