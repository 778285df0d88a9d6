"""CSRF protection: Litestar's double-submit cookie (a signed token in a cookie, the same token
in the form or the `x-csrftoken` header), and before it a check of where a write comes from.

The cookie alone is not enough: a cookie can be injected (from a sibling subdomain, or over
plain HTTP) together with its matching token. So a write (POST, PUT, PATCH, DELETE) is also
refused when the browser says it comes from elsewhere: an `Origin` header other than the base
URL's origin, or `Sec-Fetch-Site: cross-site`. Browsers send `Origin` with every cross-origin
write; a client that sends neither (curl, a script with the session cookie) still needs the
token. Over https the cookie is `__Host-` prefixed: only this host, over https, may set it.
The JSON API has no token of its own (it uses the session cookie), so it is not exempt."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Receive, Scope, Send

from cobudget.settings import Settings

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """`scheme://host[:port]` as a browser writes it in `Origin` (default port left out)."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, DEFAULT_PORTS.get(scheme)) else None
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=settings.secret_key,
        cookie_name="__Host-csrftoken" if settings.https else "csrftoken",
        cookie_secure=settings.https,
        cookie_httponly=True,
        cookie_samesite="lax",
        cookie_path="/",
    )


def cross_site_writes_refused(settings: Settings) -> Callable[[ASGIApp], ASGIApp]:
    """An ASGI middleware factory (for `DefineMiddleware`): a write from another origin is a
    403 « Formulaire refusé », before the handler or the token is looked at."""
    allowed = origin_of(settings.base_url)

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == ScopeType.HTTP and scope.get("method") in WRITES:
                headers = Headers.from_scope(scope)
                origin = headers.get("origin")
                if (origin is not None and origin_of(origin) != allowed) or headers.get(
                    "sec-fetch-site"
                ) == "cross-site":
                    raise PermissionDeniedException("CSRF: a write from another site")
            await app(scope, receive, send)

        return middleware

    return factory
