"""How much one request may ask of the server (SPEC §8: every request's work is bounded): the
size of its body and the nesting of a JSON body, checked before anything reads them. What a
form's numbered fields may ask is bounded where they are read (`web/forms.py`)."""

from __future__ import annotations

import re

from litestar import Request
from litestar.exceptions import ClientException

# The largest form (a challenge with 50 budget lines and its long texts) is far below this.
MAX_BODY_BYTES = 1024 * 1024
# The API's bodies are flat objects; a parser walking a deeper one recurses once per level.
MAX_JSON_DEPTH = 32

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings left out)."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return body.count(b"[") + body.count(b"{")  # an upper bound, cheap: shallow enough
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", body)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


async def refuse_deep_json(request: Request) -> None:  # type: ignore[type-arg]
    """Before any handler: a JSON body nested deeper than MAX_JSON_DEPTH is a 400, before a
    parser recurses into it (a 100,000-deep body used to end in a RecursionError, a 500)."""
    if "json" not in request.headers.get("content-type", ""):
        return
    if json_depth(await request.body()) > MAX_JSON_DEPTH:
        raise ClientException(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
