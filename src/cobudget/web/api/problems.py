"""What every API refusal looks like (an RFC 9457 problem, written by `web/errors.py`), and the
OpenAPI description of those answers."""

from __future__ import annotations

import msgspec
from litestar.openapi.datastructures import ResponseSpec

PROBLEM_MEDIA_TYPE = "application/problem+json"

_MEANING = {
    400: "A path, query or body parameter is malformed or out of range.",
    401: "Log in first (session cookie).",
    403: "The role table refuses it, the CSRF header is missing, or it comes from another site.",
    404: "No such resource, or one the reader may not see (a draft, for instance).",
    409: "The idempotency key was already used for a request with another body: nothing stored.",
    413: "The request body is above 1 MiB.",
    422: "The request is well formed but refused; `errors` says why, field by field.",
}


class Problem(msgspec.Struct, frozen=True):
    """An error: `title` and `detail` in the reader's language (French by default)."""

    type: str
    title: str
    status: int
    detail: str
    errors: dict[str, str] = {}  # field or parameter → what is wrong with it


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem answers a route may give, for its OpenAPI description."""
    return {
        status: ResponseSpec(
            Problem,
            description=_MEANING[status],
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status in statuses
    }


READ = problems(400, 401, 403, 404)
