"""Open data exports of an envelope (SPEC §7): CSV and JSON, UTF-8, ISO 8601 dates, amounts in
integer cents, one documented column list per table (docs/open-data.md); the settlement with
its canonical inputs, so it can be verified offline; and the pabulib form of an
`equal_shares` envelope.

Before settlement the figures are those of the live projection (the `basis` column says which).
Exports follow the pages' visibility: a draft is its coordinators' only, and pledges hidden until
closing stay anonymous in the exports too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import NamedTuple

import msgspec

from cobudget.db.rows import fetch
from cobudget.db.tables import (
    ConsentRound,
    Deliverable,
    Report,
    ReportSpending,
    RoundPosition,
)
from cobudget.domain import lifecycle
from cobudget.domain.errors import InvalidInput, NotFound
from cobudget.domain.permissions import Action, Actor, Target, decide
from cobudget.domain.reports import PaidFrom
from cobudget.engine import canonical
from cobudget.engine.pabulib import PabulibError, format_pb
from cobudget.engine.settlement import Settlement
from cobudget.engine.types import EnvelopeInput
from cobudget.services import envelope_inputs, projection_cache, receipts, settlements
from cobudget.services.clock import now
from cobudget.services.envelopes import EnvelopeCalendar, calendar_of
from cobudget.services.queries.networks import network_by_id
from cobudget.services.reports import line_spending

TABLES: dict[str, tuple[str, ...]] = {
    "challenges": (
        "envelope_id",
        "challenge_id",
        "title",
        "proposer_lieu_ids",
        "consented",
        "min_cents",
        "max_cents",
        "requested_cents",
        "basis",
        "funded",
        "total_cents",
        "drawing_rights_cents",
        "own_funds_cents",
        "match_cents",
    ),
    "budget_lines": (
        "challenge_id",
        "budget_line_id",
        "label",
        "min_cents",
        "max_cents",
        "spent_cents",
        "own_funds_spent_cents",
        "pending_cents",
        "pending_own_funds_cents",
    ),
    "pledges": (
        "pledge_id",
        "challenge_id",
        "contributor_kind",
        "contributor_id",
        "contributor_name",
        "source",
        "pledged_cents",
        "basis",
        "captured_cents",
        "released_cents",
    ),
    "positions": (
        "challenge_id",
        "round_id",
        "version",
        "lieu_id",
        "lieu_name",
        "kind",
        "text",
        "criterion",
        "withdrawn",
        "taken_at",
    ),
    "settlement": (
        "challenge_id",
        "from_kind",
        "from_id",
        "source",
        "pledge_id",
        "amount_cents",
    ),
    "reports": (
        "report_id",
        "challenge_id",
        "period",
        "status",
        "delivery",
        "published_at",
        "reviewed_at",
        "spent_cents",
        "own_funds_spent_cents",
        "deliverables",
    ),
}


class _Envelope(EnvelopeCalendar, frozen=True):
    """What the exports read of the envelope's row."""

    network: int
    title: str
    rule: str
    hide_pledges: bool


class _Readable(NamedTuple):
    row: dict[str, object]  # as envelope_inputs reads it, for the projection
    envelope: _Envelope
    phase: lifecycle.Phase


async def _readable(actor: Actor, envelope_id: int) -> _Readable:
    """The envelope row, when the actor may read it (a draft: its coordinators only)."""
    row = await envelope_inputs.envelope_row(envelope_id)
    # From a mapping or a typed row alike, whichever envelope_inputs hands out.
    envelope = msgspec.convert(row, _Envelope, strict=False, from_attributes=True)
    network = await network_by_id(actor, envelope.network)
    phase = lifecycle.current_phase(calendar_of(envelope), now())
    manages = decide(actor, Action.ENVELOPE_MANAGE, Target(network_id=network.id)).allowed
    if phase is lifecycle.Phase.DRAFT and not manages:
        raise NotFound("envelope", envelope_id)
    return _Readable(row, envelope, phase)


async def _figures(
    envelope_id: int, row: dict[str, object]
) -> tuple[EnvelopeInput, Settlement | None, str, dict[int, str], dict[int, str]]:
    record = await settlements.stored(envelope_id)
    loaded, live, _error = await projection_cache.current(
        envelope_id, row=row, run_engine=record is None
    )
    if record is not None:
        return (
            canonical.decode_input(record.inputs),
            record.decoded,
            "settlement",
            loaded.lieu_names,
            loaded.org_names,
        )
    return loaded.inputs, live, "projection", loaded.lieu_names, loaded.org_names


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.datetime) else value


async def rows(actor: Actor, envelope_id: int, table: str) -> list[dict[str, object]]:
    """One table of the envelope, as rows with the documented columns."""
    if table not in TABLES:
        raise NotFound("export", envelope_id)
    row, envelope, phase = await _readable(actor, envelope_id)
    inputs, result, basis, lieu_names, org_names = await _figures(envelope_id, row)
    outcomes = {c.challenge_id: c for c in result.challenges} if result else {}
    if table == "challenges":
        return [
            {
                "envelope_id": envelope_id,
                "challenge_id": c.id,
                "title": c.label,
                "proposer_lieu_ids": ";".join(str(p) for p in c.proposers),
                "consented": c.consented,
                "min_cents": sum(line.min_cents for line in c.budget_lines),
                "max_cents": sum(line.max_cents for line in c.budget_lines),
                "requested_cents": c.requested_cents,
                "basis": basis,
                "funded": bool(outcomes.get(c.id) and outcomes[c.id].funded),
                "total_cents": outcomes[c.id].total_cents if c.id in outcomes else 0,
                "drawing_rights_cents": outcomes[c.id].drawing_rights_cents
                if c.id in outcomes
                else 0,
                "own_funds_cents": outcomes[c.id].own_funds_cents if c.id in outcomes else 0,
                "match_cents": outcomes[c.id].match_cents if c.id in outcomes else 0,
            }
            for c in inputs.challenges
        ]
    if table == "budget_lines":
        spending = await line_spending(await _report_rows(envelope_id))
        return [
            {
                "challenge_id": c.id,
                "budget_line_id": line.id,
                "label": line.label,
                "min_cents": line.min_cents,
                "max_cents": line.max_cents,
                "spent_cents": spending.spent.get(line.id, 0),
                "own_funds_spent_cents": spending.own_funds.get(line.id, 0),
                "pending_cents": spending.pending.get(line.id, 0),
                "pending_own_funds_cents": spending.pending_own_funds.get(line.id, 0),
            }
            for c in inputs.challenges
            for line in c.budget_lines
        ]
    if table == "pledges":
        # Hidden pledges (SPEC §4): until the close, each reader finds only its own units'
        # pledges here; challenges.csv keeps the totals.
        hidden = lifecycle.pledges_hidden(envelope.hide_pledges, phase)
        pledged = {p.pledge_id: p for p in result.pledges} if result else {}
        readable = [
            p
            for p in inputs.pledges
            if not hidden
            or p.contributor_id
            in (actor.member_of if p.contributor_kind == "lieu" else actor.cofunder_of)
        ]
        return [
            {
                "pledge_id": p.id,
                "challenge_id": p.challenge_id,
                "contributor_kind": p.contributor_kind,
                "contributor_id": p.contributor_id,
                "contributor_name": (lieu_names if p.contributor_kind == "lieu" else org_names).get(
                    p.contributor_id, ""
                ),
                "source": p.source,
                "pledged_cents": p.amount_cents,
                "basis": basis,
                "captured_cents": pledged[p.id].captured_cents if p.id in pledged else 0,
                "released_cents": pledged[p.id].released_cents
                if p.id in pledged
                else p.amount_cents,
            }
            for p in readable
        ]
    if table == "positions":
        return await _positions([c.id for c in inputs.challenges])
    if table == "settlement":
        if basis != "settlement" or result is None:
            raise InvalidInput({"export": "not_settled"})
        return [
            {
                "challenge_id": t.challenge_id,
                "from_kind": t.from_kind,
                "from_id": t.from_id,
                "source": t.source,
                "pledge_id": t.pledge_id,
                "amount_cents": t.amount_cents,
            }
            for t in result.transfers
        ]
    return await _reports(await _report_rows(envelope_id), actor, envelope.network, inputs)


class _Report(msgspec.Struct, frozen=True):
    id: int
    challenge: int
    period: int
    status: str
    delivery: str
    published_at: dt.datetime | None
    reviewed_at: dt.datetime | None


async def _report_rows(envelope_id: int) -> list[_Report]:
    return await fetch(
        Report.select(*(getattr(Report, name) for name in _Report.__struct_fields__))
        .where(Report.envelope == envelope_id)
        .order_by(Report.id),
        _Report,
    )


class _Round(msgspec.Struct, frozen=True):
    id: int
    challenge: int
    version: int


class _Position(msgspec.Struct, frozen=True):
    round: int
    lieu: int
    lieu_name: str
    kind: str
    text: str
    criterion_name: str | None
    withdrawn: bool
    taken_at: dt.datetime


async def _positions(challenge_ids: list[int]) -> list[dict[str, object]]:
    rounds = {
        r.id: r
        for r in await fetch(
            ConsentRound.select(
                ConsentRound.id, ConsentRound.challenge, ConsentRound.version
            ).where(ConsentRound.challenge.is_in(challenge_ids or [0])),
            _Round,
        )
    }
    positions = await fetch(
        RoundPosition.select(
            RoundPosition.round,
            RoundPosition.lieu,
            RoundPosition.lieu.name.as_alias("lieu_name"),
            RoundPosition.kind,
            RoundPosition.text,
            RoundPosition.criterion.name.as_alias("criterion_name"),
            RoundPosition.withdrawn,
            RoundPosition.taken_at,
        )
        .where(RoundPosition.round.is_in(list(rounds) or [0]))
        .order_by(RoundPosition.id),
        _Position,
    )
    return [
        {
            "challenge_id": rounds[p.round].challenge,
            "round_id": p.round,
            "version": rounds[p.round].version,
            "lieu_id": p.lieu,
            "lieu_name": p.lieu_name,
            "kind": p.kind,
            "text": p.text,
            "criterion": p.criterion_name or "",
            "withdrawn": p.withdrawn,
            "taken_at": _iso(p.taken_at),
        }
        for p in positions
    ]


class _Spent(msgspec.Struct, frozen=True):
    report: int
    paid_from: str
    amount_cents: int


class _Deliverable(msgspec.Struct, frozen=True):
    report: int
    title: str
    url: str
    licence: str


async def _reports(
    reports: list[_Report], actor: Actor, network_id: int, inputs: EnvelopeInput
) -> list[dict[str, object]]:
    proposers = {c.id: frozenset(c.proposers) for c in inputs.challenges}
    visible = [
        r
        for r in reports
        if r.status != "draft"
        or decide(
            actor,
            Action.REPORT_WRITE,
            Target(
                network_id=network_id,
                proposer_lieu_ids=proposers.get(r.challenge, frozenset()),
            ),
        ).allowed
    ]
    ids = [r.id for r in visible] or [0]
    spent: dict[tuple[int, str], int] = {}
    for s in await fetch(
        ReportSpending.select(
            ReportSpending.report, ReportSpending.paid_from, ReportSpending.amount_cents
        ).where(ReportSpending.report.is_in(ids)),
        _Spent,
    ):
        key = (s.report, s.paid_from)
        spent[key] = spent.get(key, 0) + s.amount_cents
    outputs: dict[int, list[str]] = {}
    for d in await fetch(
        Deliverable.select(
            Deliverable.report, Deliverable.title, Deliverable.url, Deliverable.licence
        )
        .where(Deliverable.report.is_in(ids))
        .order_by(Deliverable.position),
        _Deliverable,
    ):
        outputs.setdefault(d.report, []).append(f"{d.title} <{d.url}> ({d.licence})")
    return [
        {
            "report_id": r.id,
            "challenge_id": r.challenge,
            "period": r.period,
            "status": r.status,
            "delivery": r.delivery,
            "published_at": _iso(r.published_at),
            "reviewed_at": _iso(r.reviewed_at),
            "spent_cents": spent.get((r.id, PaidFrom.ENVELOPE.value), 0),
            "own_funds_spent_cents": spent.get((r.id, PaidFrom.OWN_FUNDS.value), 0),
            "deliverables": " | ".join(outputs.get(r.id, [])),
        }
        for r in visible
    ]


# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and carriage
# return, may strip them and then read one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value as a CSV cell: booleans as true/false; text that a spreadsheet would read as a
    formula (`=HYPERLINK(…)`, `-2+3+cmd|…`) behind a `'`, so it shows as the text it is.
    Numbers are ours (amounts, ids) and stay numbers: a negative amount is never text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(table: str, data: Iterable[dict[str, object]], columns: tuple[str, ...] = ()) -> bytes:
    """UTF-8 CSV with a header row, in the documented column order (`columns`, by default the
    envelope table's); booleans as true/false; text cells neutralised against formulas
    (`csv_cell`, docs/open-data.md)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns or TABLES[table], lineterminator="\n")
    writer.writeheader()
    for item in data:
        writer.writerow({key: csv_cell(value) for key, value in item.items()})
    return buffer.getvalue().encode()


def to_json(table: str, data: list[dict[str, object]], columns: tuple[str, ...] = ()) -> bytes:
    return msgspec.json.encode({"table": table, "columns": columns or TABLES[table], "rows": data})


async def settlement_bundle(actor: Actor, envelope_id: int) -> bytes:
    """The published settlement with the canonical inputs it was computed from, the digest and
    the journal of receipts (each record's bytes exactly as hashed, issue 20): `cobudget verify`
    checks this one file offline."""
    await _readable(actor, envelope_id)
    record = await settlements.stored(envelope_id)
    if record is None:
        raise InvalidInput({"export": "not_settled"})
    journal = b",".join(
        b'{"record":' + r.record.encode() + b',"hash":"' + r.hash.encode() + b'"}'
        for r in await receipts.everything(envelope_id)
    )
    return (
        b'{"digest":"'
        + record.digest.encode()
        + b'","inputs":'
        + record.inputs
        + b',"settlement":'
        + record.settlement
        + b',"receipts":['
        + journal
        + b"]}"
    )


async def pabulib(actor: Actor, envelope_id: int) -> str:
    """The envelope as a pabulib instance (rule `equal_shares` only)."""
    row, envelope, _phase = await _readable(actor, envelope_id)
    if envelope.rule != "equal_shares":
        raise InvalidInput({"export": "pabulib_equal_shares_only"})
    inputs, _result, _basis, _lieux, _orgs = await _figures(envelope_id, row)
    anonymous = msgspec.structs.replace(
        inputs,
        challenges=[msgspec.structs.replace(c, label="") for c in inputs.challenges],
    )
    try:
        title = envelope.title.replace(";", ",")
        return format_pb(anonymous, description=f"Cobudget des communs, {title}")
    except PabulibError as error:
        raise InvalidInput({"export": f"pabulib_impossible:{error}"}) from error
