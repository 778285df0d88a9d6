"""Receipts through the real services and database (issue 20): every acknowledged pledge,
change, withdrawal, support and release is chained under the write's own lock; concurrent writes
leave no gap and no fork; the settlement commits to the chain and `cobudget verify` agrees."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import msgspec
import pytest

from cobudget.cli import main
from cobudget.db.tables import Receipt, ReceiptHead
from cobudget.domain.errors import Busy, InvalidInput
from cobudget.domain.permissions import Actor
from cobudget.engine import canonical
from cobudget.engine import receipts as chain
from cobudget.services import envelopes, exports, pledges, receipts, settlements
from cobudget.settings import Settings
from tests.support import factories


async def _journal(envelope_id: int) -> list[chain.Entry]:
    return receipts.entries(await receipts.everything(envelope_id))


async def _pledge(f: dict, index: int, challenge: int, source: str, amount: int) -> str | None:  # type: ignore[type-arg]
    try:
        stored = await pledges.set_pledge(
            f["actors"][index],
            envelope_id=f["envelope"],
            challenge_id=challenge,
            lieu_id=f["lieux"][index],
            source=source,
            amount_cents=amount,
        )
    except (InvalidInput, Busy):
        return None
    return stored.receipt


async def _close_settle_verify(f: dict, tmp_path: Path) -> int:  # type: ignore[type-arg]
    coordinator = Actor(user_id=None, coordinator_of=frozenset({f["network"]}))
    settings = Settings(database_url="", secret_key="t")
    await envelopes.move(settings, coordinator, envelope_id=f["envelope"], kind="close")
    await settlements.settle(settings, coordinator, envelope_id=f["envelope"])
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(await exports.settlement_bundle(Actor(), f["envelope"]))
    return main(["verify", str(bundle)])


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_random_run_of_pledges_changes_and_withdrawals_settles_to_a_chain_verify_accepts(
    funding: dict, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]  # type: ignore[type-arg]
) -> None:
    rng = random.Random(seed)
    given = []
    for _ in range(25):
        code = await _pledge(
            funding,
            rng.randrange(4),
            rng.choice(funding["challenges"]),
            rng.choice(["drawing_rights", "own_funds"]),
            rng.choice([0, 0, 5_000, 20_000, 40_000]),
        )
        if code is not None:
            given.append(code)
    journal = await _journal(funding["envelope"])
    head = chain.check_chain(journal, envelope=funding["envelope"])
    assert head.writes == len(given)  # one receipt per acknowledged write, none for a refusal
    assert [chain.code_of(e.hash) for e in journal] == given  # in the order they were answered
    assert await _close_settle_verify(funding, tmp_path) == 0
    out = capsys.readouterr().out
    assert "identical" in out and f"{len(given)} writes chained" in out
    stored = await settlements.stored(funding["envelope"])
    assert stored is not None
    inputs = canonical.decode_input(stored.inputs)
    assert inputs.chain is not None and (inputs.chain.writes, inputs.chain.head) == (
        head.writes,
        head.head,
    )


async def test_sixty_concurrent_writes_give_a_chain_with_no_gap_and_no_fork(funding: dict) -> None:  # type: ignore[type-arg]
    rng = random.Random(2026)
    requests = [
        (rng.randrange(4), rng.choice(funding["challenges"]), rng.choice([0, 10_000, 60_000]))
        for _ in range(60)
    ]
    codes = await asyncio.gather(
        *(_pledge(funding, i, c, "drawing_rights", a) for i, c, a in requests)
    )
    accepted = [c for c in codes if c is not None]
    assert accepted
    rows = await Receipt.select(Receipt.seq).where(Receipt.envelope == funding["envelope"])
    assert sorted(r["seq"] for r in rows) == list(range(1, len(accepted) + 1))
    journal = await _journal(funding["envelope"])
    head = chain.check_chain(journal, envelope=funding["envelope"])
    assert {chain.code_of(e.hash) for e in journal} == set(accepted)
    held = await ReceiptHead.select().where(ReceiptHead.envelope == funding["envelope"])
    assert (held[0]["writes"], held[0]["head"]) == (head.writes, head.head)
    # Replaying the chain gives the pledges as stored.
    pledged, _support = chain.final_state(e.record for e in journal)
    inputs = (await _inputs(funding["envelope"])).inputs
    assert chain.differences((e.record for e in journal), inputs) == []
    assert sum(pledged.values()) == sum(p.amount_cents for p in inputs.pledges)


async def _inputs(envelope_id: int):  # type: ignore[no-untyped-def]
    from cobudget.services import envelope_inputs

    return await envelope_inputs.load(envelope_id)


async def test_a_retry_answers_the_first_requests_receipt_and_chains_nothing(funding: dict) -> None:  # type: ignore[type-arg]
    async def send() -> pledges.PledgeResult:
        return await pledges.set_pledge(
            funding["actors"][2],
            envelope_id=funding["envelope"],
            challenge_id=funding["challenges"][0],
            lieu_id=funding["lieux"][2],
            source="own_funds",
            amount_cents=5_000,
            idempotency_key="k-1",
        )

    first, again = await send(), await send()
    assert again.replayed and again.receipt == first.receipt and len(first.receipt) == 16
    assert len(await _journal(funding["envelope"])) == 1


async def test_support_is_chained_and_replayed_under_equal_shares(settings: Settings) -> None:
    network_id = await factories.make_network("Réseau des Soutiens")
    lieux = [await factories.make_lieu(network_id, f"Lieu {i}") for i in range(3)]
    challenge = await factories.make_consented_challenge(network_id, lieux[0], lieux[1], "Défi")
    envelope_id = await factories.make_envelope(
        network_id, lieux, rule="equal_shares", support="points"
    )
    actor = Actor(user_id=None, member_of=frozenset({lieux[2]}))
    for points in (3, 7, 0, 5):
        code = await pledges.set_support(
            actor, envelope_id=envelope_id, challenge_id=challenge, lieu_id=lieux[2], points=points
        )
        assert len(code) == 16
    journal = await _journal(envelope_id)
    assert [(e.record.kind, e.record.source, e.record.amount) for e in journal] == [
        ("support", "support", p) for p in (3, 7, 0, 5)
    ]
    _pledged, supported = chain.final_state(e.record for e in journal)
    assert supported == {(lieux[2], challenge): 5}


async def test_pledges_released_by_another_envelope_are_chained_as_releases(
    funding: dict, tmp_path: Path  # type: ignore[type-arg]
) -> None:
    challenge = funding["challenges"][0]
    assert await _pledge(funding, 2, challenge, "drawing_rights", 30_000)
    assert await _pledge(funding, 3, challenge, "own_funds", 10_000)
    # Another envelope of the network funds the challenge: the pledges here are released.
    other = await factories.make_settled_envelope(
        funding["network"],
        funding["lieux"],
        pledges=((challenge, funding["lieux"][2], 300_000),),
    )
    assert other
    journal = await _journal(funding["envelope"])
    assert [(e.record.kind, e.record.amount) for e in journal[-2:]] == [
        ("release", 0),
        ("release", 0),
    ]
    assert await _close_settle_verify(funding, tmp_path) == 0


async def test_a_receipt_is_found_by_its_code_in_its_envelope_only(funding: dict) -> None:  # type: ignore[type-arg]
    code = await _pledge(funding, 1, funding["challenges"][1], "drawing_rights", 10_000)
    assert code is not None
    found = await receipts.by_code(funding["envelope"], code)
    assert found is not None and found.seq == 1 and found.amount == 10_000
    assert await receipts.by_code(funding["envelope"] + 1, code) is None
    record = msgspec.json.decode(found.record, type=chain.Record)
    assert chain.record_hash(record) == found.hash
