"""The same ingest and question against a real Chroma server (`chroma run`)."""

from __future__ import annotations

import pytest

from assistant.core import Assistant
from assistant.errors import StoreUnavailable
from tests.conftest import free_port


def test_ingest_and_ask_through_a_chroma_server(chroma_server, make_settings, small_gguf) -> None:
    host, port = chroma_server
    settings = make_settings(
        chroma_host=host, chroma_port=port, collection="server_test", local_model=small_gguf
    )
    assistant = Assistant(settings)
    assert assistant.last_ingest is not None and len(assistant.last_ingest.added) == 5
    assert "Chroma server" in assistant.store.where
    again = Assistant(settings)
    assert again.last_ingest is None  # already built on the server: nothing re-embedded
    assert again.ingest(progress=False).chunks_embedded == 0
    chunks = again.retriever.retrieve("When was the first Biden-Kishida face-to-face summit?", 3)
    assert "003_cfbc3517925c6292.txt" in [c.source for c in chunks]
    answer = again.ask("Where did Biden and Kishida meet a day before the G7 summit?")
    assert answer.chunks[0].source == "002_eb2b49479483de60.txt"


def test_unreachable_chroma_server_is_a_clear_error(make_settings) -> None:
    settings = make_settings(chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(StoreUnavailable, match="Chroma server at http://127.0.0.1"):
        Assistant(settings)
