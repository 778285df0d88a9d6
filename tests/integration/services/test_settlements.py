"""Releasing the pledges a settlement funded elsewhere (SPEC §4, issue 15): every pledge keeps
what it had as released, each its own amount, and the release is three statements however many
pledges it touches."""

from __future__ import annotations

import msgspec

from cobudget.db.engine import queries_run
from cobudget.db.rows import fetch
from cobudget.db.tables import AuditEntry, Pledge
from cobudget.db.transactions import write_transaction
from cobudget.domain.permissions import Actor
from cobudget.services import settlements
from cobudget.services.clock import now
from tests.support import factories


class _Held(msgspec.Struct, frozen=True):
    lieu: int
    amount_cents: int
    released_cents: int
    released_for: int | None


async def _release_counted(pledges: int) -> tuple[int, list[_Held], dict[int, int]]:
    """An open envelope where `pledges` lieux pledged to one challenge (the first had already
    seen 5 € released earlier), then the challenge funded by another envelope."""
    network_id = await factories.make_network(f"Réseau {pledges}")
    lieux = [await factories.make_lieu(network_id, f"L{pledges}-{i}") for i in range(pledges)]
    challenge = await factories.make_consented_challenge(network_id, lieux[0], lieux[1], "Défi")
    open_envelope = await factories.make_envelope(network_id, lieux)
    funding_envelope = await factories.make_envelope(network_id, lieux, phase="closed")
    pledged = {lieu: 1_000 * (index + 1) for index, lieu in enumerate(lieux)}
    await Pledge.insert(
        *(
            Pledge(
                envelope=open_envelope,
                challenge=challenge,
                lieu=lieu,
                source="drawing_rights",
                amount_cents=cents,
                released_cents=500 if index == 0 else 0,
                updated_at=now(),
            )
            for index, (lieu, cents) in enumerate(pledged.items())
        )
    )
    coordinator = Actor(user_id=None, coordinator_of=frozenset({network_id}))
    before = queries_run()
    async with write_transaction():
        released = await settlements.release_funded_elsewhere(
            coordinator,
            envelope_id=funding_envelope,
            network_id=network_id,
            funded=[challenge],
            moment=now(),
        )
    count = queries_run() - before
    assert released == pledges
    rows = await fetch(
        Pledge.select(Pledge.lieu, Pledge.amount_cents, Pledge.released_cents, Pledge.released_for)
        .where(Pledge.envelope == open_envelope)
        .order_by(Pledge.lieu),
        _Held,
    )
    assert all(row.released_for == funding_envelope for row in rows)
    return count, rows, pledged


async def test_each_released_pledge_keeps_its_own_amount_in_a_fixed_number_of_statements(
    db,
) -> None:  # type: ignore[no-untyped-def]
    few, rows, pledged = await _release_counted(2)
    assert [(r.amount_cents, r.released_cents) for r in rows] == [
        (0, 500 + pledged[rows[0].lieu]),
        (0, pledged[rows[1].lieu]),
    ]
    many, more_rows, more_pledged = await _release_counted(9)
    assert [r.released_cents for r in more_rows[1:]] == [
        more_pledged[r.lieu] for r in more_rows[1:]
    ]
    assert many == few
    # One audit entry per released pledge, all written at once.
    assert await AuditEntry.count().where(AuditEntry.action == "pledge.release") == 11
