"""What a lieu pledged, received and produced across the settled envelopes of its networks
(SPEC §7): read from the published settlements and the validated reports."""

from __future__ import annotations

from collections import OrderedDict

import msgspec

from cobudget.db.rows import fetch
from cobudget.db.tables import Deliverable, Report, SettlementRecord
from cobudget.domain.reports import Status
from cobudget.engine import canonical


class Produced(msgspec.Struct, frozen=True):
    title: str
    url: str
    licence: str


class EnvelopeRecord(msgspec.Struct, frozen=True):
    envelope_id: int
    title: str
    pledged_cents: int  # what it promised, from its drawing rights and own funds
    captured_cents: int  # what of it went to funded challenges
    received_cents: int  # what the challenges it (co-)proposes received
    funded_titles: list[str]
    produced: list[Produced]


class _Funded(msgspec.Struct, frozen=True):
    challenge_id: int
    label: str
    proposers: frozenset[int]
    total_cents: int


class _Settled(msgspec.Struct, frozen=True):
    """What every lieu's record needs of one published settlement, by lieu."""

    pledged: dict[int, tuple[int, int]]  # lieu → (pledged, captured) cents, if it pledged
    funded: list[_Funded]  # the funded challenges, in the settlement's order


# Settlements are written once and never change, and the digest of a settlement's inputs
# determines it (settling is a pure function of them): read by digest, a settlement is decoded
# once per process, not on every lieu page (a large envelope's bytes take milliseconds).
_SETTLED: OrderedDict[str, _Settled] = OrderedDict()
_SETTLED_KEPT = 256


class _RecordRow(msgspec.Struct, frozen=True):
    envelope: int
    title: str
    digest: str


class _RecordBytes(msgspec.Struct, frozen=True):
    digest: str
    inputs: str
    settlement: str


class _ReportRow(msgspec.Struct, frozen=True):
    id: int
    envelope: int
    challenge: int


class _DeliverableRow(msgspec.Struct, frozen=True):
    report: int
    title: str
    url: str
    licence: str


def _settled(row: _RecordBytes) -> _Settled:
    settlement = canonical.decode_settlement(row.settlement.encode())
    inputs = canonical.decode_input(row.inputs.encode())
    pledged: dict[int, tuple[int, int]] = {}
    for p in settlement.pledges:
        if p.contributor_kind == "lieu":
            before = pledged.get(p.contributor_id, (0, 0))
            pledged[p.contributor_id] = (
                before[0] + p.pledged_cents,
                before[1] + p.captured_cents,
            )
    proposed = {c.id: c for c in inputs.challenges}
    return _Settled(
        pledged=pledged,
        funded=[
            _Funded(
                challenge_id=c.challenge_id,
                label=proposed[c.challenge_id].label,
                proposers=frozenset(proposed[c.challenge_id].proposers),
                total_cents=c.total_cents,
            )
            for c in settlement.challenges
            if c.funded and c.challenge_id in proposed
        ],
    )


async def _settlements(digests: list[str]) -> dict[str, _Settled]:
    """The settlements of these digests: decoded from the cache, or read and decoded (one
    query, run even when every one is cached, so the page's count of queries stays fixed)."""
    missing = sorted({d for d in digests if d not in _SETTLED})
    for row in await fetch(
        SettlementRecord.select(
            SettlementRecord.digest, SettlementRecord.inputs, SettlementRecord.settlement
        ).where(SettlementRecord.digest.is_in(missing or [""])),
        _RecordBytes,
    ):
        _SETTLED[row.digest] = _settled(row)
    found = {}
    for digest in digests:
        if digest in _SETTLED:
            _SETTLED.move_to_end(digest)
            found[digest] = _SETTLED[digest]
    while len(_SETTLED) > _SETTLED_KEPT:
        _SETTLED.popitem(last=False)
    return found


async def lieu_record(lieu_id: int, network_ids: list[int]) -> list[EnvelopeRecord]:
    """The lieu's settled envelopes in `network_ids`: the networks the reader may read (a
    private network's envelopes stay private on a public lieu page). Four queries, whatever
    the number of envelopes, challenges and reports."""
    records = await fetch(
        SettlementRecord.select(
            SettlementRecord.envelope,
            SettlementRecord.envelope.title.as_alias("title"),
            SettlementRecord.digest,
        )
        .where(SettlementRecord.envelope.network.is_in(network_ids or [0]))
        .order_by(SettlementRecord.settled_at, ascending=False),
        _RecordRow,
    )
    settled = await _settlements([r.digest for r in records])
    # Each settled envelope in which the lieu took part or had a challenge funded...
    taken: list[tuple[_RecordRow, tuple[int, int] | None, list[_Funded]]] = []
    for record in records:
        settlement = settled[record.digest]
        mine = settlement.pledged.get(lieu_id)
        funded = [c for c in settlement.funded if lieu_id in c.proposers]
        if mine or funded:
            taken.append((record, mine, funded))
    # ... then what its funded challenges produced, in two queries for all of them.
    wanted = {(record.envelope, c.challenge_id) for record, _, funded in taken for c in funded}
    # Every period's validated report of each challenge, in the order of the periods.
    reports_of: dict[tuple[int, int], list[int]] = {}
    for r in await fetch(
        Report.select(Report.id, Report.envelope, Report.challenge)
        .where(Report.challenge.is_in(sorted({c for _, c in wanted}) or [0]))
        .where(Report.status == Status.VALIDATED.value)
        .order_by(Report.period),
        _ReportRow,
    ):
        if (r.envelope, r.challenge) in wanted:
            reports_of.setdefault((r.envelope, r.challenge), []).append(r.id)
    produced_by: dict[int, list[Produced]] = {}
    for d in await fetch(
        Deliverable.select(
            Deliverable.report, Deliverable.title, Deliverable.url, Deliverable.licence
        )
        .where(
            Deliverable.report.is_in(sorted(i for ids in reports_of.values() for i in ids) or [0])
        )
        .order_by(Deliverable.report, Deliverable.position),
        _DeliverableRow,
    ):
        produced_by.setdefault(d.report, []).append(
            Produced(title=d.title, url=d.url, licence=d.licence)
        )
    result = []
    for record, mine, funded in taken:
        reports = [r for c in funded for r in reports_of.get((record.envelope, c.challenge_id), [])]
        result.append(
            EnvelopeRecord(
                envelope_id=record.envelope,
                title=record.title,
                pledged_cents=mine[0] if mine else 0,
                captured_cents=mine[1] if mine else 0,
                received_cents=sum(c.total_cents for c in funded),
                funded_titles=[c.label for c in funded],
                produced=[d for r in reports for d in produced_by.get(r, [])],
            )
        )
    return result
