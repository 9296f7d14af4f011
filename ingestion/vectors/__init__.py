"""The vector index: a ``VectorIndex`` protocol with an embedded (qdrant-edge) and a server
(qdrant-client) implementation, picked by settings in one wiring function."""
