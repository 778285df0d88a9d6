"""Parts of pages kept by data version, for people logged in too (issue 15).

A large network's page lists 200 challenges and 300 lieux; rendering them costs tens of
milliseconds, the same for every reader. Visitors get the whole page kept (`page_cache.py`);
people logged in get a page of their own, but the parts that are the same for every reader are
marked in the template and kept:

    {% keep "network-lieux", view.network.id %} … {% endkeep %}

A kept part is keyed by its name and arguments and the language, for the moment of the request
(`services/kept_reads.py`: the data version read at its start; the next moment of the calendar,
and a minute at most), as kept reads are. Mark only what no reader
sees differently: a part that shows a reader's own pledge, their forms, or anything their role
decides must stay outside.

Each app keeps its own parts (on its Jinja environment), bounded in bytes.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

from cobudget import i18n
from cobudget.services.kept_reads import Keeper, Moment, current_keeper

CONTEXT_NAME = "kept_moment"


class KeptParts:
    """The kept parts of one app, least recently used first out, all of one moment: those of an
    older version are dropped when a request of the newer one keeps a part."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.version: int | None = None
        self.parts: OrderedDict[tuple[object, ...], tuple[float, Markup]] = OrderedDict()
        self.size = 0

    def get_or_make(
        self, keeper: Keeper, moment: Moment, key: tuple[object, ...], make: Callable[[], str]
    ) -> str:
        if not keeper.holds(moment):
            return make()
        if moment.version != self.version:
            self._clear()
            self.version = moment.version
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
        keeper = current_keeper()
        parts: KeptParts = self.environment.kept_parts  # type: ignore[attr-defined]
        if not isinstance(moment, Moment) or keeper is None or parts.max_bytes <= 0:
            return caller()
        return parts.get_or_make(keeper, moment, (i18n.current_locale(), *key), caller)


def kept_parts(environment: jinja2.Environment) -> KeptParts:
    return environment.kept_parts  # type: ignore[attr-defined,no-any-return]
