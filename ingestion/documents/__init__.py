"""Document ingestion: files to governed, annotated chunks in the vector index.

Entry point: ``ingestion.documents.pipeline.ingest_documents``. See docs/documents.md.
"""
