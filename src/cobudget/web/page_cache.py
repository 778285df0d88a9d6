"""Pages for visitors, kept by data version (issue 15).

A visitor (no session cookie) reads the same page as every other visitor, and most reads are
theirs: a public page costs one small query once kept, instead of its whole reading and
rendering. It is never stale:

- **by write**: an entry is kept under the data version read *before* the page was made
  (`db/data_version.py`); every write a page may show changes that version in its own
  transaction, in whichever process, so the next request reads a new version and misses;
- **by clock**: what a page shows also follows the calendar (an envelope's phases, a round's
  deadline), so an entry expires at the next such moment in the database, and after
  `MAX_AGE_SECONDS` whatever happens (relative dates, « il reste 3 jours »).

Each page carries a CSRF token (the htmx header of the layout, the forms), the visitor's own:
the kept copy holds a mark in its place, and each answer gets this visitor's token, from their
cookie, or a new one with the cookie that goes with it, as Litestar's CSRF middleware does.

Each process keeps its own entries (in memory, bounded in bytes); nothing is shared but the
version, which every process reads from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from http.cookies import SimpleCookie

from litestar.config.csrf import CSRFConfig
from litestar.enums import ScopeType
from litestar.middleware.csrf import generate_csrf_token
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from cobudget.db.engine import read_data_version
from cobudget.services.calendar import next_moment
from cobudget.services.clock import now
from cobudget.web.context import LOCALE_COOKIE, SESSION_COOKIE

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 60.0
# Where a request's scope holds the data version read here, for the page's kept parts.
VERSION_STATE = "cobudget_data_version"
WAIT_FOR_MAKER_SECONDS = 5.0
MAX_ENTRY_BYTES = 2 * 1024 * 1024
MARK = b"\x00csrf\x00"
KEPT_TYPES = (b"text/html", b"application/json")
# Never kept: pages with a form of their own that a visitor posts, or that set a cookie.
NOT_KEPT_PREFIXES = (
    "/static/",
    "/documents/",  # files, never HTML or JSON: not even buffered
    "/connexion",
    "/deconnexion",
    "/mot-de-passe",
    "/invitations/",
    "/langue/",
    "/desabonnement/",
    "/mon-compte/email/",
    "/schema",
    "/inscription",
)


@dataclass(frozen=True)
class Kept:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]  # without set-cookie
    body: bytes  # the CSRF token replaced by MARK
    cookie: bytes | None  # the CSRF set-cookie header, its token replaced by MARK
    expires: float  # time.monotonic()


class PageCache:
    """The kept pages of one process, least recently used first out."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.version: int | None = None
        self.entries: OrderedDict[tuple[object, ...], Kept] = OrderedDict()
        self.size = 0
        self.hits = 0
        self.misses = 0
        # The pages being made now, so that requests for the same one wait instead of making it.
        self.making: dict[tuple[int, tuple[object, ...]], asyncio.Future[None]] = {}

    def get(self, version: int, key: tuple[object, ...]) -> Kept | None:
        if version != self.version:
            self.clear()
            self.version = version
            return None
        kept = self.entries.get(key)
        if kept is None or kept.expires <= time.monotonic():
            return None
        self.entries.move_to_end(key)
        return kept

    def put(self, version: int, key: tuple[object, ...], kept: Kept) -> None:
        if version != self.version or len(kept.body) > MAX_ENTRY_BYTES:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= len(old.body)
        self.entries[key] = kept
        self.size += len(kept.body)
        while self.size > self.max_bytes and self.entries:
            _key, dropped = self.entries.popitem(last=False)
            self.size -= len(dropped.body)

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0


def _cookies(scope: Scope) -> dict[str, str]:
    jar: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _sep, raw = part.strip().partition("=")
                jar[key] = raw
    return jar


def _keepable(scope: Scope, cookies: dict[str, str]) -> bool:
    if scope["type"] != ScopeType.HTTP or scope.get("method") != "GET":
        return False
    path: str = scope.get("path", "")
    return SESSION_COOKIE not in cookies and not path.startswith(NOT_KEPT_PREFIXES)


def _key(scope: Scope, cookies: dict[str, str]) -> tuple[object, ...]:
    """What the page depends on besides the data: the address, the language, htmx's headers."""
    wanted = {b"hx-request", b"hx-boosted", b"hx-target", b"hx-trigger", b"accept"}
    headers = tuple(sorted((k, v) for k, v in scope.get("headers", []) if k in wanted))
    return (
        scope.get("method"),
        scope.get("path"),
        scope.get("query_string", b""),
        cookies.get(LOCALE_COOKIE, ""),
        headers,
    )


def with_page_cache(app: ASGIApp, cache: PageCache, csrf: CSRFConfig) -> ASGIApp:
    """Wrap the app: visitors' GET pages answered from `cache` while the data version holds."""
    cookie_name = csrf.cookie_name

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        cookies = _cookies(scope) if scope["type"] == ScopeType.HTTP else {}
        if cache.max_bytes <= 0 or not _keepable(scope, cookies):
            await app(scope, receive, send)
            return
        try:
            version = await read_data_version()
        except Exception:  # the database is busy: the page itself will say so
            log.debug("no data version: the page is made, not kept", exc_info=True)
            await app(scope, receive, send)
            return
        scope.setdefault("state", {})[VERSION_STATE] = version
        key = _key(scope, cookies)
        token = cookies.get(cookie_name)
        kept = cache.get(version, key)
        if kept is None and (version, key) in cache.making:
            # Another request is making this very page: wait for it rather than make it again
            # (sixteen visitors arriving at once would otherwise make it sixteen times).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(WAIT_FOR_MAKER_SECONDS):
                    await asyncio.shield(cache.making[version, key])
            kept = cache.get(version, key)
        if kept is not None and (token is not None or kept.cookie is not None):
            cache.hits += 1
            await _answer(kept, token, send, csrf)
            return
        cache.misses += 1
        made = cache.making.setdefault((version, key), asyncio.get_running_loop().create_future())
        try:
            await _make_and_keep(app, scope, receive, send, cache, version, key, cookie_name, token)
        finally:
            if cache.making.get((version, key)) is made:
                del cache.making[version, key]
            if not made.done():
                made.set_result(None)

    return wrapped


async def _answer(kept: Kept, token: str | None, send: Send, csrf: CSRFConfig) -> None:
    headers = list(kept.headers)
    if token is None:
        token = generate_csrf_token(secret=csrf.secret)
        assert kept.cookie is not None
        headers.append((b"set-cookie", kept.cookie.replace(MARK, token.encode())))
    body = kept.body.replace(MARK, token.encode())
    headers = [(k, v) for k, v in headers if k != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": kept.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _make_and_keep(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    cache: PageCache,
    version: int,
    key: tuple[object, ...],
    cookie_name: str,
    token: str | None,
) -> None:
    """Run the app, pass its answer on as it comes, and keep a copy if it may be kept."""
    started = now()
    status = 0
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []
    keep = True

    async def sending(message: Message) -> None:
        nonlocal status, keep
        if message["type"] == "http.response.start":
            # A copy: the wrappers outside (request id, security headers) add to the message.
            status = message["status"]
            headers.extend((bytes(k), bytes(v)) for k, v in message.get("headers", []))
            keep = status == 200
        elif message["type"] == "http.response.body" and keep:
            chunks.append(bytes(message.get("body", b"")))
            if sum(map(len, chunks)) > MAX_ENTRY_BYTES:
                keep = False
                chunks.clear()
        await send(message)

    await app(scope, receive, sending)
    if not keep or not status:
        return
    kept = _kept_copy(status, headers, b"".join(chunks), cookie_name, token)
    if kept is None:
        return
    until = await next_moment(started)
    lifetime = MAX_AGE_SECONDS
    if until is not None:
        lifetime = min(lifetime, max(0.0, (until - now()).total_seconds()))
    if lifetime > 0:
        cache.put(
            version,
            key,
            Kept(kept.status, kept.headers, kept.body, kept.cookie, time.monotonic() + lifetime),
        )


def _kept_copy(
    status: int,
    start_headers: list[tuple[bytes, bytes]],
    body: bytes,
    cookie_name: str,
    token: str | None,
) -> Kept | None:
    """The answer with its CSRF token marked, or None if it must not be kept (a cookie other
    than the CSRF one, a type other than HTML or JSON)."""
    headers: list[tuple[bytes, bytes]] = []
    cookie: bytes | None = None
    content_type = b""
    for raw_name, value in start_headers:
        name = raw_name.lower()
        if name == b"set-cookie":
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(value.decode("latin-1"))
            if list(parsed) != [cookie_name]:
                return None
            token = parsed[cookie_name].value
            cookie = value.replace(token.encode(), MARK)
            continue
        if name == b"content-type":
            content_type = value
        headers.append((name, value))
    if not content_type.startswith(KEPT_TYPES):
        return None
    if token:
        body = body.replace(token.encode(), MARK)
    return Kept(status, tuple(headers), body, cookie, 0.0)
