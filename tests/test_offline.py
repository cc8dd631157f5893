"""The offline claim: tests refuse any socket that leaves the machine."""

from __future__ import annotations

import os
import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_non_loopback_connections_are_refused() -> None:
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("93.184.216.34", 80), timeout=1)


def test_hub_and_telemetry_switches_are_set() -> None:
    import assistant.core  # noqa: F401 - importing sets them

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["ANONYMIZED_TELEMETRY"] == "False"
    assert os.environ["TIKTOKEN_CACHE_DIR"].endswith("tiktoken_cache")
    assert "NLTK_DATA" not in os.environ or "llama_index" in os.environ["NLTK_DATA"]
