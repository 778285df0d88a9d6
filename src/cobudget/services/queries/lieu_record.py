"""What a lieu pledged, received and produced across the settled envelopes of its networks
(SPEC §7): read from the published settlements and the validated reports."""

from __future__ import annotations

import msgspec

from cobudget.db.tables import Deliverable, Envelope, Report, SettlementRecord
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


async def lieu_record(lieu_id: int, network_ids: list[int]) -> list[EnvelopeRecord]:
    """The lieu's settled envelopes in `network_ids`: the networks the reader may read (a
    private network's envelopes stay private on a public lieu page)."""
    envelopes = {
        r["id"]: r["title"]
        for r in await Envelope.select(Envelope.id, Envelope.title).where(
            Envelope.network.is_in(network_ids or [0])
        )
    }
    records = (
        await SettlementRecord.select()
        .where(SettlementRecord.envelope.is_in(list(envelopes) or [0]))
        .order_by(SettlementRecord.settled_at, ascending=False)
    )
    # Each settled envelope in which the lieu took part or had a challenge funded...
    taken = []
    for record in records:
        settlement = canonical.decode_settlement(record["settlement"].encode())
        inputs = canonical.decode_input(record["inputs"].encode())
        mine = [
            p
            for p in settlement.pledges
            if p.contributor_kind == "lieu" and p.contributor_id == lieu_id
        ]
        proposed = {c.id: c.label for c in inputs.challenges if lieu_id in c.proposers}
        funded = [c for c in settlement.challenges if c.funded and c.challenge_id in proposed]
        if mine or funded:
            taken.append((record["envelope"], mine, proposed, funded))
    # ... then what its funded challenges produced, in two queries for all of them.
    wanted = {(envelope, c.challenge_id) for envelope, _, _, funded in taken for c in funded}
    # Every period's validated report of each challenge, in the order of the periods.
    reports_of: dict[tuple[int, int], list[int]] = {}
    for r in (
        await Report.select(Report.id, Report.envelope, Report.challenge)
        .where(Report.challenge.is_in(sorted({c for _, c in wanted}) or [0]))
        .where(Report.status == Status.VALIDATED.value)
        .order_by(Report.period)
    ):
        if (r["envelope"], r["challenge"]) in wanted:
            reports_of.setdefault((r["envelope"], r["challenge"]), []).append(r["id"])
    produced_by: dict[int, list[Produced]] = {}
    for d in (
        await Deliverable.select()
        .where(
            Deliverable.report.is_in(sorted(i for ids in reports_of.values() for i in ids) or [0])
        )
        .order_by(Deliverable.report, Deliverable.position)
    ):
        produced_by.setdefault(d["report"], []).append(
            Produced(title=d["title"], url=d["url"], licence=d["licence"])
        )
    result = []
    for envelope, mine, proposed, funded in taken:
        reports = [r for c in funded for r in reports_of.get((envelope, c.challenge_id), [])]
        result.append(
            EnvelopeRecord(
                envelope_id=envelope,
                title=envelopes[envelope],
                pledged_cents=sum(p.pledged_cents for p in mine),
                captured_cents=sum(p.captured_cents for p in mine),
                received_cents=sum(c.total_cents for c in funded),
                funded_titles=[proposed[c.challenge_id] for c in funded],
                produced=[d for r in reports for d in produced_by.get(r, [])],
            )
        )
    return result
