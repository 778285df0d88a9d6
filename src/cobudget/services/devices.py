"""Known browsers: after a right password, the browser keeps a token signed for that email, and
its later logins to that account are limited apart from everyone else's. A guesser who holds an
account back (services/limits.py) then holds back only browsers that never logged in to it; the
owner's own browser gets in (issue 14). The token grants nothing else: the password is still
checked, and a forged or other account's token counts as none."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def _signature(secret_key: str, email: str, nonce: str) -> str:
    message = f"device:{email}:{nonce}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def device_token(secret_key: str, email: str) -> str:
    nonce = secrets.token_urlsafe(12)
    return f"{nonce}.{_signature(secret_key, email, nonce)}"


def device_key(secret_key: str, token: str | None, email: str) -> str | None:
    """The limit key of this browser for this account, or None for an unknown browser."""
    nonce, _sep, signature = (token or "").partition(".")
    if not nonce or len(token or "") > 100:
        return None
    if not hmac.compare_digest(signature, _signature(secret_key, email, nonce)):
        return None
    return f"device:{nonce}"
