"""LangChain: a retriever over governed search."""
