"""Per-request facts the pages need: the actor (from the session cookie) and the locale."""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from cobudget import i18n
from cobudget.domain.permissions import Actor
from cobudget.services.actors import session_actor
from cobudget.settings import Settings

SESSION_COOKIE = "cobudget_session"
LOCALE_COOKIE = "cobudget_lang"


def locale_middleware(app: ASGIApp) -> ASGIApp:
    """Set the locale for the whole request: ?lang=, then the cookie, then French."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        locale = i18n.DEFAULT_LOCALE
        for part in (scope.get("query_string") or b"").decode("latin-1").split("&"):
            if part.startswith("lang="):
                locale = part.removeprefix("lang=")
                break
        else:
            for header, value in scope.get("headers", []):
                if header == b"cookie":
                    for cookie in value.decode("latin-1").split(";"):
                        key, _sep, raw = cookie.strip().partition("=")
                        if key == LOCALE_COOKIE:
                            locale = raw
        token = i18n.set_locale(locale)
        try:
            await app(scope, receive, send)
        finally:
            i18n._current_locale.reset(token)

    return middleware


async def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    """The actor of this request, loaded once (one query: session and roles together) and
    kept on the request state."""
    cached = request.state.get("actor")
    if isinstance(cached, Actor):
        return cached
    actor = await session_actor(request.cookies.get(SESSION_COOKIE))
    request.state["actor"] = actor
    return actor


def client_address(request: Request[Any, Any, Any], settings: Settings) -> str:
    """The address the rate limits count: the direct peer, or behind trusted proxies the
    address they forwarded (run the ASGI server without its own proxy-header handling)."""
    peer = request.client.host if request.client else "unknown"
    if not settings.trusted_proxies:
        return peer
    return forwarded_client(
        peer, request.headers.getall("x-forwarded-for", []), settings.trusted_proxies
    )


@functools.lru_cache(maxsize=8)
def _networks(
    trusted: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(trusted))


def forwarded_client(peer: str, forwarded_for: list[str], trusted: tuple[str, ...]) -> str:
    """X-Forwarded-For is read only when the peer is a trusted proxy, from the right: each
    proxy appends the address it saw, so the rightmost hop that is not a trusted proxy is the
    client; what lies left of it was written by the client and proves nothing."""
    if not _is_trusted(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        client = hop
        if not _is_trusted(hop, trusted):
            break
    return client
