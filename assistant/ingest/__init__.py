"""Ingest: a folder of articles read, chunked, dated and embedded into the store."""
