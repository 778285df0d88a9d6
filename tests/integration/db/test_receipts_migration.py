"""The migration that brings receipts (issue 20), on SQLite and PostgreSQL: an envelope not
settled starts its chain with one "genesis" record per pledge and support standing, so its
settlement verifies complete; a settlement published before keeps verifying as it did, and
`cobudget verify` says it predates receipts."""

from __future__ import annotations

from pathlib import Path

import pytest

from cobudget.cli import main
from cobudget.db.tables import Envelope, SettlementRecord
from cobudget.domain.permissions import Actor
from cobudget.engine import canonical, receipts, settle
from cobudget.services import envelope_inputs, envelopes, exports, settlements
from cobudget.services import receipts as stored_receipts
from cobudget.services.clock import now
from cobudget.settings import Settings
from tests.support import database, factories

BEFORE = "2026-12-06T14:50:00:000000"  # the migration just before receipts


async def _legacy_settlement(envelope_id: int) -> None:
    """A settlement as published before receipts: inputs without a chain."""
    inputs = (await envelope_inputs.load(envelope_id)).inputs
    data = canonical.encode_input(inputs)
    settlement = canonical.encode_settlement(settle(inputs))
    await SettlementRecord.insert(
        SettlementRecord(
            envelope=envelope_id,
            inputs=data.decode(),
            settlement=settlement.decode(),
            digest=canonical.digest(inputs),
            settled_at=now(),
        )
    )
    await Envelope.update({Envelope.settled_at: now()}).where(Envelope.id == envelope_id)


async def test_pledges_standing_become_the_chain_and_old_settlements_still_verify(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with database.migrated_halfway(database_url, tmp_path, BEFORE) as url:
        async with database.tables_as_migrated():
            network = await factories.make_network()
            lieux = [await factories.make_lieu(network, name) for name in ("A", "B", "C")]
            challenge = await factories.make_consented_challenge(network, lieux[0], lieux[1])
            funding = await factories.make_envelope(network, lieux, amount_cents=300_000)
            closed = await factories.make_envelope(network, lieux, phase="closed")
            await Envelope.update({Envelope.min_cofunders: 1}).where(Envelope.id == closed)
            for envelope_id, lieu, cents in (
                (funding, lieux[1], 40_000),
                (funding, lieux[2], 25_000),
                (funding, lieux[0], 0),  # withdrawn: nothing stands
                (closed, lieux[1], 10_000),
            ):
                await factories.make_pledge(envelope_id, challenge, lieu, cents)
            await _legacy_settlement(closed)
        database.migrate_to(url, "all")

        journal = stored_receipts.entries(await stored_receipts.everything(funding))
        assert [(e.record.kind, e.record.unit, e.record.amount) for e in journal] == [
            ("genesis", f"lieu:{lieux[1]}", 40_000),
            ("genesis", f"lieu:{lieux[2]}", 25_000),
        ]
        head = receipts.check_chain(journal, envelope=funding)
        assert await stored_receipts.head(funding) == head
        assert await stored_receipts.everything(closed) == []  # settled before: no chain

        coordinator = Actor(user_id=None, coordinator_of=frozenset({network}))
        settings = Settings(database_url="", secret_key="t")
        await envelopes.move(settings, coordinator, envelope_id=funding, kind="close")
        await settlements.settle(settings, coordinator, envelope_id=funding)
        for envelope_id, says in ((funding, "2 writes chained"), (closed, "predates receipts")):
            bundle = tmp_path / f"bundle-{envelope_id}.json"
            bundle.write_bytes(await exports.settlement_bundle(Actor(), envelope_id))
            assert main(["verify", str(bundle)]) == 0
            out = capsys.readouterr().out
            assert "identical" in out and says in out
