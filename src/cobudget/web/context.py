"""Per-request facts the pages need: the actor (from the session cookie) and the locale."""

from __future__ import annotations

from litestar import Request
from litestar.types import ASGIApp, Receive, Scope, Send

from cobudget import i18n
from cobudget.domain.permissions import Actor
from cobudget.services.actors import load_actor
from cobudget.services.sessions import session_user

SESSION_COOKIE = "cobudget_session"
LOCALE_COOKIE = "cobudget_lang"


def locale_middleware(app: ASGIApp) -> ASGIApp:
    """Set the locale for the whole request: ?lang=, then the cookie, then French."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
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


async def provide_actor(request: Request) -> Actor:  # type: ignore[type-arg]
    """The actor of this request, loaded once and kept on the request state."""
    cached = request.state.get("actor")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    actor = await load_actor(await session_user(request.cookies.get(SESSION_COOKIE)))
    request.state["actor"] = actor
    return actor


def client_address(request: Request) -> str:  # type: ignore[type-arg]
    return request.client.host if request.client else "unknown"
