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
    ReportSpending,
    SettlementRecord,
)
from cobudget.engine import canonical
from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.types import Lieu


async def check_every_envelope() -> None:
    """Raise AssertionError, naming the envelope, on the first figure that does not add up.
    A handful of queries whatever the number of envelopes: it runs after every test."""
    settled = set()
    records = await SettlementRecord.select()
    validated = await _validated_spending() if records else {}
    for record in records:
        envelope_id = int(record["envelope"])
        settled.add(envelope_id)
        inputs = canonical.decode_input(record["inputs"].encode())
        settlement = canonical.decode_settlement(record["settlement"].encode())
        _check_settlement(envelope_id, inputs, settlement)
        _check_reports(envelope_id, inputs, settlement, validated.get(envelope_id, []))
    await _check_open(settled)
    negative = await Pledge.count().where((Pledge.amount_cents < 0) | (Pledge.released_cents < 0))
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


async def _validated_spending() -> dict[int, list[tuple[int, int]]]:
    """Per envelope, the (budget line, cents) paid by the envelope in validated reports."""
    spending: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in await ReportSpending.select(
        ReportSpending.budget_line,
        ReportSpending.amount_cents,
        ReportSpending.paid_from,
        ReportSpending.report.envelope,
    ).where(ReportSpending.report.status == "validated"):
        if row["paid_from"] == "envelope":
            spending[row["report.envelope"]].append((row["budget_line"], row["amount_cents"]))
    return spending


def _check_reports(envelope_id: int, inputs, settlement, spent: list[tuple[int, int]]) -> None:  # type: ignore[no-untyped-def]
    received = {c.challenge_id: c.total_cents for c in settlement.challenges}
    line_max = {
        line.id: (c.id, line.max_cents) for c in inputs.challenges for line in c.budget_lines
    }
    per_challenge: dict[int, int] = defaultdict(int)
    per_line: dict[int, int] = defaultdict(int)
    for line_id, cents in spent:
        per_challenge[line_max[line_id][0]] += cents
        per_line[line_id] += cents
    for challenge_id, total in per_challenge.items():
        assert total <= received.get(challenge_id, 0), (envelope_id, challenge_id, total)
    for line_id, total in per_line.items():
        assert total <= line_max[line_id][1], (envelope_id, line_id, total)


async def _check_open(settled: set[int]) -> None:
    """No lieu's drawing-right pledges exceed its drawing rights in an envelope not settled."""
    amounts = {
        r["id"]: r["amount_cents"]
        for r in await Envelope.select(Envelope.id, Envelope.amount_cents)
    }
    weights: dict[int, list[Lieu]] = defaultdict(list)
    for w in await EnvelopeLieu.select(
        EnvelopeLieu.envelope, EnvelopeLieu.lieu, EnvelopeLieu.weight
    ):
        weights[w["envelope"]].append(Lieu(id=w["lieu"], weight=w["weight"]))
    pledged: dict[tuple[int, int], int] = defaultdict(int)
    for p in (
        await Pledge.select(Pledge.envelope, Pledge.lieu, Pledge.amount_cents)
        .where(Pledge.source == "drawing_rights")
        .where(Pledge.lieu.is_not_null())
        .where(Pledge.amount_cents > 0)
    ):
        pledged[(p["envelope"], p["lieu"])] += p["amount_cents"]
    rights: dict[int, dict[int, int]] = {}
    for (envelope_id, lieu), cents in pledged.items():
        if envelope_id in settled:
            continue
        if envelope_id not in rights:
            lieux = weights.get(envelope_id, [])
            rights[envelope_id] = (
                drawing_rights(amounts[envelope_id], lieux)
                if any(lieu.weight for lieu in lieux)
                else {}
            )
        available = rights[envelope_id].get(lieu, 0)
        assert cents <= available, (envelope_id, lieu, cents, available)
