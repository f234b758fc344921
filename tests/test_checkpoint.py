"""nnnotes.checkpoint: atomic writes, weights-only loading, random state, readable errors."""

from __future__ import annotations

import json
import os

import pytest
import torch

from nnnotes import checkpoint
from nnnotes.errors import CheckpointError, WriteError


def test_atomic_write_replaces_the_file_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "sub" / "f.bin"
    checkpoint.atomic_write_bytes(path, b"old")
    checkpoint.atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert [p.name for p in path.parent.iterdir()] == ["f.bin"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary(tmp_path, monkeypatch):
    path = tmp_path / "f.bin"
    checkpoint.atomic_write_bytes(path, b"old")

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(WriteError, match="cannot write .*f.bin: No space left on device"):
        checkpoint.atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_files_are_written_with_the_users_umask_not_0600(tmp_path):
    before = os.umask(0o027)
    try:
        checkpoint.atomic_write_bytes(tmp_path / "f.bin", b"x")
    finally:
        os.umask(before)
    assert (tmp_path / "f.bin").stat().st_mode & 0o777 == 0o640


def test_temporary_files_left_by_a_killed_writer_are_found_and_removed(tmp_path):
    (tmp_path / ".last.pt.0123456789abcdef.tmp").write_bytes(b"half a checkpoint")
    (tmp_path / "last.pt").write_bytes(b"kept")
    (tmp_path / ".lock").write_bytes(b"")
    assert checkpoint.remove_temporaries(tmp_path) == [".last.pt.0123456789abcdef.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "last.pt"]


def test_a_checkpoint_round_trips_and_loads_with_weights_only(tmp_path):
    state = {"model": {"w": torch.arange(3.0)}, "epoch": 2, "history": [{"a": 1.0}]}
    checkpoint.save(state, tmp_path / "c.pt")
    loaded = torch.load(tmp_path / "c.pt", weights_only=True)
    assert torch.equal(loaded["model"]["w"], state["model"]["w"]) and loaded["epoch"] == 2
    assert checkpoint.load(tmp_path / "c.pt")["history"] == [{"a": 1.0}]


def test_missing_or_corrupt_checkpoints_raise_checkpoint_error_naming_the_file(tmp_path):
    with pytest.raises(CheckpointError, match="missing.pt does not exist"):
        checkpoint.load(tmp_path / "missing.pt")
    (tmp_path / "bad.pt").write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="bad.pt is not a PyTorch checkpoint") as e:
        checkpoint.load(tmp_path / "bad.pt")
    assert "weights_only" not in str(e.value)


def test_rng_state_restores_the_global_and_the_shuffling_generators():
    shuffle = torch.Generator().manual_seed(1)
    saved = checkpoint.rng_state(shuffle)
    expected = (torch.rand(2), torch.randperm(5, generator=shuffle))
    checkpoint.set_rng_state(saved, shuffle)
    again = (torch.rand(2), torch.randperm(5, generator=shuffle))
    assert torch.equal(expected[0], again[0]) and torch.equal(expected[1], again[1])


def test_json_is_indented_with_lists_of_numbers_on_one_line(tmp_path):
    checkpoint.write_json(tmp_path / "m.json", {"a": [1, 2, 3], "b": {"c": 0.5}})
    text = (tmp_path / "m.json").read_text()
    assert '"a": [1, 2, 3]' in text and json.loads(text) == {"a": [1, 2, 3], "b": {"c": 0.5}}
