"""Benchmarks: what the assistant adds on top of the work it cannot avoid.

`python -m benchmarks` measures start-up, per-answer overhead, retrieval at
scale, ingest, the local LLM and memory, each next to a floor measured in the
same run, and writes `benchmarks/results.md`. Run on demand, not by the tests.
"""
