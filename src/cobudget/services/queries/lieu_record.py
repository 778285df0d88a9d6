"""What a lieu pledged, received and produced across the settled envelopes of its networks
(SPEC §7): read from the published settlements and the reports that were published."""

from __future__ import annotations

import msgspec

from cobudget.db.tables import Deliverable, Envelope, NetworkLieu, Report, SettlementRecord
from cobudget.domain.reports import COUNTED
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


async def lieu_record(lieu_id: int) -> list[EnvelopeRecord]:
    networks = [
        r["network"]
        for r in await NetworkLieu.select(NetworkLieu.network).where(NetworkLieu.lieu == lieu_id)
    ]
    envelopes = {
        r["id"]: r["title"]
        for r in await Envelope.select(Envelope.id, Envelope.title).where(
            Envelope.network.is_in(networks or [0])
        )
    }
    records = (
        await SettlementRecord.select()
        .where(SettlementRecord.envelope.is_in(list(envelopes) or [0]))
        .order_by(SettlementRecord.settled_at, ascending=False)
    )
    result = []
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
        if not mine and not funded:
            continue
        reports = [
            r["id"]
            for r in await Report.select(Report.id, Report.status)
            .where(Report.envelope == record["envelope"])
            .where(Report.challenge.is_in([c.challenge_id for c in funded] or [0]))
            if r["status"] in COUNTED
        ]
        produced = [
            Produced(title=d["title"], url=d["url"], licence=d["licence"])
            for d in await Deliverable.select()
            .where(Deliverable.report.is_in(reports or [0]))
            .order_by(Deliverable.report, Deliverable.position)
        ]
        result.append(
            EnvelopeRecord(
                envelope_id=record["envelope"],
                title=envelopes[record["envelope"]],
                pledged_cents=sum(p.pledged_cents for p in mine),
                captured_cents=sum(p.captured_cents for p in mine),
                received_cents=sum(c.total_cents for c in funded),
                funded_titles=[proposed[c.challenge_id] for c in funded],
                produced=produced,
            )
        )
    return result
