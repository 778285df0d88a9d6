"""Password hashing with argon2id, in a pool of its own of two threads per process (a hash takes
~250 ms here): a flood of hashes waits in that pool's queue instead of taking every core and
every thread of the default pool, so the rest of the app keeps answering (issue 14)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHES_AT_ONCE = 2
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
_pool = ThreadPoolExecutor(max_workers=HASHES_AT_ONCE, thread_name_prefix="argon2")

# A hash of nothing in particular, checked against when the account does not exist, so a
# login takes the same time whether the email is known or not.
_DUMMY_HASH = _hasher.hash("cobudget-timing-equaliser")


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, _hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.get_running_loop().run_in_executor(_pool, check)
