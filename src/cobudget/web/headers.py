"""Security headers on every response: pages, htmx fragments, the API, static files and error
pages alike (they are added around the whole application, after its error handling).

The Content-Security-Policy allows only the app's own scripts, styles and images (plus `data:`
images, which Pico's CSS and Swagger UI draw their icons with), no inline script or style, and
no framing at all, so a one-button form (« Régler l'enveloppe », « Se déconnecter ») cannot be
clickjacked. HSTS only when the base URL is https: a browser would otherwise refuse plain HTTP
to a host that has none."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from cobudget.settings import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    headers = {
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "cross-origin-opener-policy": "same-origin",
    }
    if settings.https:
        headers["strict-transport-security"] = HSTS
    return [(name.encode(), value.encode()) for name, value in headers.items()]


def with_security_headers(app: ASGIApp, settings: Settings) -> ASGIApp:
    """`app` with the security headers added to each response that does not set its own."""
    added = security_headers(settings)

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _value in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((name, value) for name, value in added if name not in present),
                ]
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped
