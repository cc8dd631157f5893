"""A write that fails leaves the old file or folder as it was; one that ends replaces it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.atomic import replaced_on_success


def test_a_file_is_replaced_only_when_the_write_ends(tmp_path: Path) -> None:
    target = tmp_path / "model.gguf"
    target.write_text("old")
    with pytest.raises(RuntimeError), replaced_on_success(target) as partial:
        partial.write_text("half")
        raise RuntimeError("killed midway")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]
    with replaced_on_success(target) as partial:
        partial.write_text("new")
        assert target.read_text() == "old"  # readers see the old file until the end
    assert target.read_text() == "new" and list(tmp_path.iterdir()) == [target]


def test_a_folder_is_swapped_whole(tmp_path: Path) -> None:
    target = tmp_path / "indexes" / "bm25"
    with replaced_on_success(target) as partial:
        partial.mkdir()
        (partial / "revision").write_text("1")
    with pytest.raises(RuntimeError), replaced_on_success(target) as partial:
        partial.mkdir()
        (partial / "revision").write_text("2")
        raise RuntimeError("disk full")
    assert (target / "revision").read_text() == "1"
    with replaced_on_success(target) as partial:
        partial.mkdir()
        (partial / "revision").write_text("3")
    assert (target / "revision").read_text() == "3"
    assert sorted(p.name for p in target.parent.iterdir()) == ["bm25"]
