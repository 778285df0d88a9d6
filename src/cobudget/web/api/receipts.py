"""API: an envelope's journal of receipts and the check of one receipt (issue 20), with the
pages' own reads and visibility (hidden pledges: number, receipt and time only until the
close)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import get
from litestar.params import PathParameter

from cobudget.domain.errors import NotFound
from cobudget.services.queries import receipts as queries
from cobudget.web.api.pagination import Id, PageNumber
from cobudget.web.api.problems import problems
from cobudget.web.forms import ActorDep


class ReceiptOut(msgspec.Struct, frozen=True):
    """One write of the chain. Every field after `at` is null while the envelope hides
    pledges (until the close)."""

    seq: int
    receipt: str  # "XXXX-XXXX-XXXX-XXXX": the hash's first 80 bits, Crockford base 32
    hash: str  # SHA-256 hex of `record`
    at: dt.datetime
    kind: str | None  # pledge, support, release, genesis
    unit: str | None  # "lieu:3" or "org:2"
    challenge_id: int | None
    source: str | None  # drawing_rights, own_funds, support
    amount: int | None  # cents; points for support
    record: str | None  # the record's bytes exactly as hashed (docs/receipts-format.md)


class ReceiptPage(msgspec.Struct, frozen=True):
    total: int  # writes in the chain
    page: int
    per_page: int
    head: str  # hash of the last write ("0" × 64 when none)
    hidden: bool
    items: list[ReceiptOut]


def _out(line: queries.Line) -> ReceiptOut:
    return ReceiptOut(
        seq=line.seq,
        receipt=line.code,
        hash=line.hash,
        at=line.at,
        kind=line.kind,
        unit=line.unit,
        challenge_id=line.challenge_id,
        source=line.source,
        amount=line.amount,
        record=line.record,
    )


@get(
    "/envelopes/{envelope_id:int}/receipts",
    responses=problems(400, 401, 403, 404),
    summary="The journal of receipts of an envelope, 50 a page",
)
async def journal(actor: ActorDep, envelope_id: Id, page: PageNumber = 1) -> ReceiptPage:
    if page > queries.MAX_PAGE:
        raise NotFound("page", page)
    view = await queries.journal(actor, envelope_id, page)
    return ReceiptPage(
        total=view.writes,
        page=page,
        per_page=queries.PAGE_SIZE,
        head=view.head,
        hidden=view.hidden,
        items=[_out(line) for line in view.lines],
    )


# Crockford's base 32 (I, L read as 1, O as 0), four groups of four, dashes optional.
_CHAR = "[0-9A-HJKMNP-TV-Za-hjkmnp-tv-zIiLlOo]"
Code = Annotated[
    str,
    PathParameter(
        pattern=f"^{_CHAR}{{4}}(-?{_CHAR}{{4}}){{3}}$",
        description="A receipt: 16 characters of Crockford base 32, e.g. 7K2M-Q9XC-4T1B-HV0D.",
    ),
]


@get(
    "/envelopes/{envelope_id:int}/receipts/{code:str}",
    responses=problems(400, 401, 403, 404, 422),
    summary="Whether a receipt is in the envelope's chain, and what it recorded",
)
async def receipt(actor: ActorDep, envelope_id: Id, code: Code) -> ReceiptOut:
    """404 when the receipt is not in the chain; 422 when `code` is not a receipt."""
    result = await queries.check(actor, envelope_id, code)
    if result.found is None:
        raise NotFound("receipt", envelope_id)
    return _out(result.found)


ROUTES = [journal, receipt]
