"""Parts of pages kept by data version, for people logged in too (issue 15).

A large network's page lists 200 challenges and 300 lieux; rendering them costs tens of
milliseconds, the same for every reader. Visitors get the whole page kept (`page_cache.py`);
people logged in get a page of their own, but the parts that are the same for every reader are
marked in the template and kept:

    {% keep "network-lieux", view.network.id %} … {% endkeep %}

A kept part is keyed by its name and arguments, the language, and the data version read at the
start of the request; it expires at the next moment of the calendar (an envelope's dates, a
round's deadline) and after a minute in any case, as whole pages do. Mark only what no reader
sees differently: a part that shows a reader's own pledge, their forms, or anything their role
decides must stay outside.

Each app keeps its own parts (on its Jinja environment), bounded in bytes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

from cobudget import i18n
from cobudget.db.engine import read_data_version
from cobudget.services.calendar import next_moment
from cobudget.services.clock import now

MAX_AGE = dt.timedelta(seconds=60)
CONTEXT_NAME = "kept_moment"


@dataclass(frozen=True)
class Moment:
    """What a request's kept parts are valid for: the data version read at its start, and the
    time (monotonic) until which the calendar changes nothing."""

    version: int
    until: float


class KeptParts:
    """The kept parts of one app, least recently used first out."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.version: int | None = None
        self.until = 0.0
        self.parts: OrderedDict[tuple[object, ...], tuple[float, Markup]] = OrderedDict()
        self.size = 0

    async def moment(self, version: int | None = None) -> Moment:
        """The moment of this request (one query for the version, unless the page cache read
        it already; a few more when the version or the calendar moved)."""
        if version is None:
            version = await read_data_version()
        if version != self.version or self.until <= time.monotonic():
            self._clear()
            self.version = version
            started = now()
            bound = await next_moment(started)
            limit = min(bound, started + MAX_AGE) if bound is not None else started + MAX_AGE
            self.until = time.monotonic() + max(0.0, (limit - now()).total_seconds())
        return Moment(version, self.until)

    def get_or_make(self, moment: Moment, key: tuple[object, ...], make: Callable[[], str]) -> str:
        if moment.version != self.version or moment.until <= time.monotonic():
            return make()
        held = self.parts.get(key)
        if held is not None and held[0] > time.monotonic():
            self.parts.move_to_end(key)
            return held[1]
        made = Markup(make())
        self.parts[key] = (moment.until, made)
        self.size += len(made)
        while self.size > self.max_bytes and self.parts:
            _key, (_until, dropped) = self.parts.popitem(last=False)
            self.size -= len(dropped)
        return made

    def _clear(self) -> None:
        self.parts.clear()
        self.size = 0


class KeepExtension(Extension):
    """`{% keep "name", arg… %}…{% endkeep %}`: the block's output, kept (see the module)."""

    tags = {"keep"}  # noqa: RUF012  (Jinja's own declaration)

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        environment.extend(kept_parts=KeptParts(0))

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endkeep",), drop_needle=True)
        call = self.call_method("_keep", [nodes.ContextReference(), nodes.List(key)])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _keep(self, context: Any, key: list[object], caller: Callable[[], str]) -> str:
        moment = context.get(CONTEXT_NAME)
        parts: KeptParts = self.environment.kept_parts  # type: ignore[attr-defined]
        if not isinstance(moment, Moment) or parts.max_bytes <= 0:
            return caller()
        return parts.get_or_make(moment, (i18n.current_locale(), *key), caller)


def kept_parts(environment: jinja2.Environment) -> KeptParts:
    return environment.kept_parts  # type: ignore[attr-defined,no-any-return]
