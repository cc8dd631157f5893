"""The answer stages: retrieve, gather evidence, select, decide, phrase, cite."""
