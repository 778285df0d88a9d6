"""The money reconciles to the cent (issue 13): checked after every test that uses the database,
whatever it wrote, and by a dedicated hypothesis test.

For every settled envelope: the envelope's amount is what challenges got from it plus the
leftover; each challenge's total is the sum of its sources and of its transfers; each pledge's
captured + released = pledged, and its transfers add up to what it captured; no lieu spends more
than its drawing rights and raise, and the lieux' spending is the drawing-right money the
challenges got; validated spending paid by the envelope stays within what the challenge
received and each line's maximum. For every envelope not settled: no lieu's drawing-right
pledges exceed its drawing rights, and no pledge or release is negative."""

from __future__ import annotations

from collections import defaultdict

from cobudget.db.tables import (
    Envelope,
    EnvelopeLieu,
    Pledge,
    Report,
    ReportSpending,
    SettlementRecord,
)
from cobudget.engine import canonical
from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.types import Lieu


async def check_every_envelope() -> None:
    """Raise AssertionError, naming the envelope, on the first figure that does not add up."""
    settled = set()
    for record in await SettlementRecord.select():
        envelope_id = int(record["envelope"])
        settled.add(envelope_id)
        inputs = canonical.decode_input(record["inputs"].encode())
        settlement = canonical.decode_settlement(record["settlement"].encode())
        _check_settlement(envelope_id, inputs, settlement)
        await _check_reports(envelope_id, inputs, settlement)
    for envelope in await Envelope.select(Envelope.id, Envelope.amount_cents):
        if envelope["id"] not in settled:
            await _check_open(int(envelope["id"]), int(envelope["amount_cents"]))
    negative = await Pledge.count().where(
        (Pledge.amount_cents < 0) | (Pledge.released_cents < 0)
    )
    assert negative == 0, "a pledge or a release is negative"


def _check_settlement(envelope_id: int, inputs, settlement) -> None:  # type: ignore[no-untyped-def]
    where = f"envelope {envelope_id}"
    assert settlement.envelope_cents == inputs.amount_cents, where
    from_envelope = sum(c.drawing_rights_cents + c.match_cents for c in settlement.challenges)
    assert from_envelope + settlement.leftover_cents == settlement.envelope_cents, where
    assert settlement.leftover_cents >= 0, where
    transfers: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_pledge: dict[int, int] = defaultdict(int)
    for t in settlement.transfers:
        transfers[t.challenge_id][t.source] += t.amount_cents
        if t.pledge_id is not None:
            by_pledge[t.pledge_id] += t.amount_cents
    for c in settlement.challenges:
        assert c.total_cents == c.drawing_rights_cents + c.own_funds_cents + c.match_cents, where
        got = transfers.get(c.challenge_id, {})
        assert got.get("drawing_rights", 0) == c.drawing_rights_cents, (where, c.challenge_id)
        assert got.get("own_funds", 0) == c.own_funds_cents, (where, c.challenge_id)
        assert got.get("match", 0) == c.match_cents, (where, c.challenge_id)
        if not c.funded:
            assert c.total_cents == 0, (where, c.challenge_id)
    pledged = {p.id: p.amount_cents for p in inputs.pledges}
    for p in settlement.pledges:
        assert p.pledged_cents == pledged[p.pledge_id], (where, p.pledge_id)
        assert p.captured_cents + p.released_cents == p.pledged_cents, (where, p.pledge_id)
        assert by_pledge.get(p.pledge_id, 0) == p.captured_cents, (where, p.pledge_id)
    assert {p.pledge_id for p in settlement.pledges} == set(pledged), where
    for lieu in settlement.lieux:
        raised = getattr(lieu, "raise_cents", 0)  # equal_shares: the add-one raise
        assert lieu.spent_cents <= lieu.drawing_rights_cents + raised, (where, lieu)
    if settlement.rule != "matching":
        spent = sum(lieu.spent_cents for lieu in settlement.lieux)
        assert spent == sum(c.drawing_rights_cents for c in settlement.challenges), where


async def _check_reports(envelope_id: int, inputs, settlement) -> None:  # type: ignore[no-untyped-def]
    validated = [
        r["id"]
        for r in await Report.select(Report.id)
        .where(Report.envelope == envelope_id)
        .where(Report.status == "validated")
    ]
    if not validated:
        return
    received = {c.challenge_id: c.total_cents for c in settlement.challenges}
    line_max = {
        line.id: (c.id, line.max_cents) for c in inputs.challenges for line in c.budget_lines
    }
    per_challenge: dict[int, int] = defaultdict(int)
    per_line: dict[int, int] = defaultdict(int)
    for row in await ReportSpending.select().where(ReportSpending.report.is_in(validated)):
        if row.get("paid_from", "envelope") != "envelope":
            continue
        challenge_id, _maximum = line_max[row["budget_line"]]
        per_challenge[challenge_id] += row["amount_cents"]
        per_line[row["budget_line"]] += row["amount_cents"]
    for challenge_id, spent in per_challenge.items():
        assert spent <= received.get(challenge_id, 0), (envelope_id, challenge_id, spent)
    for line_id, spent in per_line.items():
        assert spent <= line_max[line_id][1], (envelope_id, line_id, spent)


async def _check_open(envelope_id: int, amount_cents: int) -> None:
    weights = await EnvelopeLieu.select(EnvelopeLieu.lieu, EnvelopeLieu.weight).where(
        EnvelopeLieu.envelope == envelope_id
    )
    if not any(w["weight"] for w in weights):
        return
    rights = drawing_rights(amount_cents, [Lieu(id=w["lieu"], weight=w["weight"]) for w in weights])
    pledged: dict[int, int] = defaultdict(int)
    for p in (
        await Pledge.select(Pledge.lieu, Pledge.amount_cents)
        .where(Pledge.envelope == envelope_id)
        .where(Pledge.source == "drawing_rights")
        .where(Pledge.lieu.is_not_null())
    ):
        pledged[p["lieu"]] += p["amount_cents"]
    for lieu, cents in pledged.items():
        assert cents <= rights.get(lieu, 0), (envelope_id, lieu, cents, rights.get(lieu, 0))
