"""Argon2 runs in a small pool of its own (issue 14): a flood of hashes queues there instead of
taking every core and thread, so the rest of the app keeps answering."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from cobudget.services import passwords


class SlowHasher:
    """Stands for argon2: takes a while, and notes how many run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def hash(self, password: str) -> str:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
        return f"hashed:{password}"

    def verify(self, password_hash: str, password: str) -> bool:
        return self.hash(password) == password_hash


async def test_no_more_than_two_hashes_run_at_once_however_many_are_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = SlowHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    results = await asyncio.gather(
        *(passwords.hash_password(f"secret-{n}") for n in range(6)),
        *(passwords.verify_password("hashed:x", "x") for _ in range(6)),
    )
    assert results[:6] == [f"hashed:secret-{n}" for n in range(6)]
    assert all(results[6:])
    assert hasher.most == passwords.HASHES_AT_ONCE == 2
