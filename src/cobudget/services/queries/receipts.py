"""The public journal of an envelope's receipts (issue 20): a page of it, the reader's own
receipts, the check of one receipt, and the rows of its downloads.

Whoever may read the envelope reads its journal. When the envelope hides pledges until the close
(SPEC §4), each line says only its number, its receipt and its time until then, to everyone
(a lieu finds the whole of its own receipts under « Vos reçus »); after the close, everything.
A page reads a fixed number of times, whatever it shows: the envelope, the network, the head,
the page, the reader's own receipts, then the names of what the lines point to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from cobudget.db.rows import fetch
from cobudget.db.tables import CofundingOrg, Lieu
from cobudget.domain import lifecycle
from cobudget.domain.errors import InvalidInput, NotFound
from cobudget.domain.permissions import Action, Actor, Target, decide
from cobudget.engine import receipts as chain
from cobudget.services import envelope_inputs, receipts
from cobudget.services.clock import now
from cobudget.services.envelopes import calendar_of
from cobudget.services.queries.envelopes import challenge_titles
from cobudget.services.queries.networks import network_by_id

PAGE_SIZE = 50
MAX_PAGE = 10_000
MINE = 20  # the reader's own latest receipts shown
DOWNLOAD_MOST = 200_000  # a download's rows at the most (an envelope's writes, with room)


@dataclass(frozen=True)
class Line:
    """One line of the journal, as the reader may see it: `kind` and what follows are None
    when the envelope hides pledges until the close."""

    seq: int
    code: str  # "XXXX-XXXX-XXXX-XXXX"
    hash: str
    at: dt.datetime
    kind: str | None = None
    unit: str | None = None  # "lieu:3"
    unit_name: str | None = None
    challenge_id: int | None = None
    challenge_title: str | None = None
    source: str | None = None
    amount: int | None = None
    record: str | None = None  # the record's bytes as hashed


@dataclass(frozen=True)
class Journal:
    envelope_id: int
    title: str
    network_slug: str
    phase: str
    hidden: bool  # lines say only number, receipt and time
    closed: bool  # funding is over: the head is the one a settlement commits to
    writes: int
    head: str
    page: int
    pages: int
    lines: tuple[Line, ...]
    mine: tuple[Line, ...]


@dataclass(frozen=True)
class _Envelope:
    id: int
    title: str
    network_slug: str
    phase: lifecycle.Phase
    hidden: bool


async def _readable(actor: Actor, envelope_id: int) -> _Envelope:
    """The envelope, when the reader may read it (a draft: its coordinators only)."""
    row = await envelope_inputs.envelope(envelope_id)
    network = await network_by_id(actor, row.network)
    phase = lifecycle.current_phase(calendar_of(row), now())
    if (
        phase is lifecycle.Phase.DRAFT
        and not decide(actor, Action.ENVELOPE_MANAGE, Target(network_id=network.id)).allowed
    ):
        raise NotFound("envelope", envelope_id)
    return _Envelope(
        id=row.id,
        title=row.title,
        network_slug=network.slug,
        phase=phase,
        hidden=lifecycle.pledges_hidden(row.hide_pledges, phase),
    )


class _Name(msgspec.Struct, frozen=True):
    id: int
    name: str


async def _names(stored: Sequence[receipts.StoredReceipt]) -> dict[str, str]:
    """The name of each unit ("lieu:N", "org:N") and the title of each challenge ("defi:N")
    these receipts name, in three queries at most."""
    lieu_ids = sorted({r.lieu for r in stored if r.lieu is not None})
    org_ids = sorted({r.org for r in stored if r.org is not None})
    names = {}
    if lieu_ids:
        for row in await fetch(
            Lieu.select(Lieu.id, Lieu.name).where(Lieu.id.is_in(lieu_ids)), _Name
        ):
            names[f"lieu:{row.id}"] = row.name
    if org_ids:
        for row in await fetch(
            CofundingOrg.select(CofundingOrg.id, CofundingOrg.name).where(
                CofundingOrg.id.is_in(org_ids)
            ),
            _Name,
        ):
            names[f"org:{row.id}"] = row.name
    titles = await challenge_titles([r.challenge for r in stored if r.challenge is not None])
    names.update((f"defi:{cid}", title) for cid, title in titles.items())
    return names


def _line(r: receipts.StoredReceipt, *, hidden: bool, names: dict[str, str]) -> Line:
    if hidden:
        return Line(seq=r.seq, code=r.short, hash=r.hash, at=r.at)
    return Line(
        seq=r.seq,
        code=r.short,
        hash=r.hash,
        at=r.at,
        kind=r.kind,
        unit=r.unit,
        unit_name=names.get(r.unit, ""),
        challenge_id=r.challenge,
        challenge_title=names.get(f"defi:{r.challenge}"),
        source=r.source,
        amount=r.amount,
        record=r.record,
    )


async def journal(actor: Actor, envelope_id: int, page: int) -> Journal:
    """One page of the journal, and the reader's own latest receipts in full."""
    envelope = await _readable(actor, envelope_id)
    head = await receipts.head(envelope_id)
    stored = await receipts.page(envelope_id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    mine = await receipts.of_units(
        envelope_id, sorted(actor.member_of), sorted(actor.cofunder_of), limit=MINE
    )
    names = await _names([*([] if envelope.hidden else stored), *mine])
    return Journal(
        envelope_id=envelope_id,
        title=envelope.title,
        network_slug=envelope.network_slug,
        phase=envelope.phase.value,
        hidden=envelope.hidden,
        closed=not lifecycle.pledges_hidden(True, envelope.phase),
        writes=head.writes,
        head=head.head,
        page=page,
        pages=max(1, -(-head.writes // PAGE_SIZE)),
        lines=tuple(_line(r, hidden=envelope.hidden, names=names) for r in stored),
        mine=tuple(_line(r, hidden=False, names=names) for r in mine),
    )


@dataclass(frozen=True)
class Check:
    """A receipt looked up in the envelope's chain: `found` is None when it is not there."""

    envelope_id: int
    title: str
    code: str
    found: Line | None
    writes: int
    head: str


async def check(actor: Actor, envelope_id: int, typed: str) -> Check:
    """Look a receipt up in the envelope's chain; InvalidInput `code` when what was typed is
    not a receipt (16 characters of base 32, dashes and spaces aside)."""
    envelope = await _readable(actor, envelope_id)
    code = chain.code_key(typed[:100])
    if code is None:
        raise InvalidInput({"code": "invalid_receipt"})
    found = await receipts.by_code(envelope_id, code)
    head = await receipts.head(envelope_id)
    mine = found is not None and (
        (found.lieu is not None and found.lieu in actor.member_of)
        or (found.org is not None and found.org in actor.cofunder_of)
    )
    names = await _names([found]) if found is not None and (mine or not envelope.hidden) else {}
    return Check(
        envelope_id=envelope_id,
        title=envelope.title,
        code=chain.grouped(code),
        found=None
        if found is None
        else _line(found, hidden=envelope.hidden and not mine, names=names),
        writes=head.writes,
        head=head.head,
    )


DOWNLOAD_COLUMNS = (
    "seq",
    "receipt",
    "hash",
    "at",
    "kind",
    "unit",
    "challenge_id",
    "source",
    "amount",
    "record",
)


async def rows(actor: Actor, envelope_id: int) -> list[dict[str, object]]:
    """The whole journal for its downloads (`recus.csv`, `recus.json`): every column, or only
    seq, receipt, hash and time while pledges are hidden."""
    envelope = await _readable(actor, envelope_id)
    out: list[dict[str, object]] = []
    for r in await receipts.everything(envelope_id, limit=DOWNLOAD_MOST):
        line: dict[str, object] = {
            "seq": r.seq,
            "receipt": r.short,
            "hash": r.hash,
            "at": r.at.astimezone(dt.UTC).isoformat(),
        }
        if envelope.hidden:
            line |= dict.fromkeys(DOWNLOAD_COLUMNS[4:], None)
        else:
            line |= {
                "kind": r.kind,
                "unit": r.unit,
                "challenge_id": r.challenge,
                "source": r.source,
                "amount": r.amount,
                "record": r.record,
            }
        out.append(line)
    return out
