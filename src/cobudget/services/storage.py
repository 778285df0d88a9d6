"""The documents folder (`Settings.documents_path`): files written whole or not at all, under
random names, never the sender's.

A file is received into `tmp/` while it is counted and hashed, and the reading stops one byte
past the limit; kept, it is flushed to disk and renamed into `<2 first letters>/<key>` (a rename
is atomic: the file is there whole or not at all). The row naming it is written after, so a row
never lacks its file; a file without a row (the process died between the two, or after a row's
deletion and before its file's) is garbage that `sweep` removes once old enough.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CHUNK_BYTES = 64 * 1024
TEMP_FOLDER = "tmp"
KEY = re.compile(r"^[0-9a-f]{32}$")
# A file without a row is left alone this long: its row may be on its way (a slow commit).
SWEEP_AFTER_SECONDS = 3600.0


class Upload(Protocol):
    """What a web framework hands over for an uploaded file (Litestar's `UploadFile`)."""

    filename: str

    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class Received:
    """A file received into the temporary folder: its first bytes, size (at most the limit plus
    one: the reading stops there) and SHA-256."""

    key: str
    temp: Path
    head: bytes
    size: int
    sha256: str


def path_of(root: Path, key: str) -> Path:
    if not KEY.match(key):
        raise ValueError(f"not a document key: {key!r}")
    return root / key[:2] / key


async def receive(root: Path, upload: Upload, *, max_bytes: int, head_bytes: int) -> Received:
    """Copy the upload into a temporary file, stopping one byte past `max_bytes`."""
    key = secrets.token_hex(16)
    temp = root / TEMP_FOLDER / f"{key}.part"
    await asyncio.to_thread(temp.parent.mkdir, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    head = b""
    size = 0
    handle = await asyncio.to_thread(open, temp, "xb")
    try:
        while size <= max_bytes:
            chunk = await upload.read(min(CHUNK_BYTES, max_bytes + 1 - size))
            if not chunk:
                break
            size += len(chunk)
            digest.update(chunk)
            if len(head) < head_bytes:
                head += chunk[: head_bytes - len(head)]
            await asyncio.to_thread(handle.write, chunk)
    except BaseException:
        handle.close()
        temp.unlink(missing_ok=True)
        raise
    finally:
        handle.close()
    return Received(key=key, temp=temp, head=head, size=size, sha256=digest.hexdigest())


def _keep(root: Path, received: Received) -> None:
    final = path_of(root, received.key)
    final.parent.mkdir(parents=True, exist_ok=True)
    with open(received.temp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(received.temp, final)


async def keep(root: Path, received: Received) -> None:
    """Move a received file to its place, whole (flushed, then renamed)."""
    await asyncio.to_thread(_keep, root, received)


async def discard(received: Received) -> None:
    await asyncio.to_thread(received.temp.unlink, missing_ok=True)


async def remove(root: Path, keys: Iterable[str]) -> None:
    """Delete the files of rows deleted (a missing file is no error: a sweep, or a retry)."""
    for key in keys:
        await asyncio.to_thread(path_of(root, key).unlink, missing_ok=True)


def sweep(root: Path, known: frozenset[str], *, older_than: float = SWEEP_AFTER_SECONDS) -> int:
    """Delete the files of the folder that no row names (and the temporary files left behind),
    when older than `older_than` seconds; how many were deleted."""
    if not root.is_dir():
        return 0
    limit = time.time() - older_than
    removed = 0
    for path in root.glob("*/*"):
        if not path.is_file() or path.stat().st_mtime > limit:
            continue
        if path.parent.name == TEMP_FOLDER or (KEY.match(path.name) and path.name not in known):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
