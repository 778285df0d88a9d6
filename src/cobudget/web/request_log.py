"""The log of requests: a refusal (4xx) is one INFO line without a traceback, a failure (5xx)
one ERROR record with its traceback, and every line logged while a request runs carries its
request id, which the response repeats in `X-Request-ID`.

An ordinary 401, 403 or 404 is not an error of the service: logging it with a traceback let
anyone flood the logs and drown the real errors. The id comes from a well-formed incoming
`X-Request-ID` (a proxy's), or is made here."""

from __future__ import annotations

import contextvars
import copy
import logging
import re
import uuid
from typing import Any

from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.logging.config import LoggingConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from cobudget.domain.errors import DomainError

log = logging.getLogger("cobudget.web")

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# What the request's error hook learnt, for the request's last line (a dict per request).
_OUTCOME: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "request_outcome", default=None
)
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
FORMAT = "%(levelname)s - %(asctime)s - %(name)s - [%(request_id)s] %(message)s"


def _install_record_factory() -> None:
    """Every log record gets the `request_id` of the request it was logged in ("-" outside
    any), whichever logger or handler it goes to."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def logging_config() -> LoggingConfig:
    """Litestar's logging, without its own exception log (`after_exception` does it here)."""
    _install_record_factory()
    return LoggingConfig(
        log_exceptions="never",
        formatters={"standard": {"format": FORMAT}},
        loggers={
            "litestar": {"level": "INFO", "handlers": ["queue_listener"], "propagate": False},
            "cobudget": {"level": "INFO", "propagate": True},
        },
    )


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging, with the request id in its access lines too (uvicorn writes them
    while the response starts, inside the request, so the id is known). Its start and stop
    chatter (INFO) is left out: the start log says once where to open the app (issue 18);
    its warnings and errors, such as a port already taken, still show."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["uvicorn.error"]["level"] = "WARNING"
    access = config["formatters"]["access"]
    access["fmt"] = access["fmt"].replace("%(levelprefix)s", "%(levelprefix)s [%(request_id)s]")
    return config


async def log_failure(error: BaseException, _scope: Scope) -> None:
    """Litestar's `after_exception` hook: a refusal is noted for the request's one line; any
    other exception, answered 500, is logged once with its traceback."""
    outcome = _OUTCOME.get()
    refusal = isinstance(error, DomainError) or (
        isinstance(error, HTTPException) and error.status_code < 500
    )
    if refusal:
        if outcome is not None:
            detail = getattr(error, "detail", "") or ""
            outcome["reason"] = type(error).__name__ + (f": {detail}" if detail else "")
        return
    if outcome is not None:
        outcome["logged"] = True
    log.error(
        "%s %s failed: %s",
        _scope.get("method", ""),
        _printable(_scope.get("path", "")),
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__),
    )


def _printable(path: str) -> str:
    """A path as one short line (a decoded path may hold line breaks: no forged log lines)."""
    return path[:300].encode("unicode_escape").decode("ascii")


def with_request_log(app: ASGIApp) -> ASGIApp:
    """`app` with a request id per request and the one line of a refused or failed one."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        incoming = Headers.from_scope(scope).get("x-request-id", "")
        request_id = incoming if _WELL_FORMED_ID.fullmatch(incoming) else uuid.uuid4().hex
        outcome: dict[str, Any] = {"status": 500}
        tokens = REQUEST_ID.set(request_id), _OUTCOME.set(outcome)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            status, method, path = (
                outcome["status"],
                scope.get("method", ""),
                _printable(scope["path"]),
            )
            reason = f" ({outcome['reason']})" if "reason" in outcome else ""
            if 400 <= status < 500:
                log.info("%s %s refused: %d%s", method, path, status, reason)
            elif status == 503 and str(outcome.get("reason", "")).startswith("Busy"):
                # Asked to retry: worth watching (a stuck process, a queue), not an error.
                log.warning("%s %s busy: %d%s", method, path, status, reason)
            elif status >= 500 and not outcome.get("logged"):
                log.error("%s %s answered %d%s", method, path, status, reason)
            REQUEST_ID.reset(tokens[0])
            _OUTCOME.reset(tokens[1])

    return wrapped
