"""The documents folder (issue 17): a file is received bounded, kept whole under a random name,
and the sweep deletes only old files that no row names."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cobudget.services import storage


class _Upload:
    def __init__(self, content: bytes, filename: str = "f.pdf") -> None:
        self.content, self.filename, self.read_bytes = content, filename, 0

    async def read(self, size: int = -1) -> bytes:
        chunk = self.content[self.read_bytes : self.read_bytes + size]
        self.read_bytes += len(chunk)
        return chunk


async def test_a_file_is_received_hashed_and_kept_under_a_random_name(tmp_path: Path) -> None:
    upload = _Upload(b"%PDF-1.4 hello")
    received = await storage.receive(tmp_path, upload, max_bytes=1000, head_bytes=5)
    assert received.head == b"%PDF-" and received.size == 14
    assert received.temp.exists() and received.temp.parent.name == storage.TEMP_FOLDER
    await storage.keep(tmp_path, received)
    final = storage.path_of(tmp_path, received.key)
    assert final.read_bytes() == b"%PDF-1.4 hello" and not received.temp.exists()
    assert "f.pdf" not in str(final)


async def test_reading_stops_one_byte_past_the_limit(tmp_path: Path) -> None:
    upload = _Upload(b"x" * 1_000_000)
    received = await storage.receive(tmp_path, upload, max_bytes=1000, head_bytes=5)
    assert received.size == 1001 and upload.read_bytes == 1001
    await storage.discard(received)
    assert not received.temp.exists()


def test_a_key_is_never_a_path(tmp_path: Path) -> None:
    for key in ("../secret_key", "ab/../../x", ""):
        with pytest.raises(ValueError):
            storage.path_of(tmp_path, key)


def test_the_sweep_deletes_old_orphans_only(tmp_path: Path) -> None:
    named, orphan, young = "a" * 32, "b" * 32, "c" * 32
    for key in (named, orphan, young):
        path = storage.path_of(tmp_path, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    temp = tmp_path / storage.TEMP_FOLDER / "dead.part"
    temp.parent.mkdir()
    temp.write_bytes(b"x")
    old = time.time() - 2 * storage.SWEEP_AFTER_SECONDS
    for path in (storage.path_of(tmp_path, named), storage.path_of(tmp_path, orphan), temp):
        os.utime(path, (old, old))
    assert storage.sweep(tmp_path, frozenset({named})) == 2
    assert storage.path_of(tmp_path, named).exists()
    assert storage.path_of(tmp_path, young).exists()  # its row may be on its way
    assert not storage.path_of(tmp_path, orphan).exists() and not temp.exists()
