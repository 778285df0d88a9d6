"""Releasing pledges (SPEC §4): what a pledge had promised moves to `released_cents` and the
drawing rights it held are free again. Two causes: another envelope funded the challenge (its
settlement), or the challenge's proposers withdrew it (issue 17, `released_for` left empty)."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.tables import Pledge
from cobudget.domain.permissions import Actor
from cobudget.services import audit, receipts


class HeldPledge(msgspec.Struct, frozen=True):
    """A pledge about to be released, as its release reads it."""

    id: int
    envelope: int
    challenge: int
    lieu: int | None
    org: int | None
    source: str
    amount_cents: int


HELD_COLUMNS = tuple(getattr(Pledge, name) for name in HeldPledge.__struct_fields__)


async def release(
    actor: Actor,
    held: list[HeldPledge],
    *,
    network_id: int,
    moment: dt.datetime,
    funded_by: int | None,
) -> None:
    """Release `held` in one update (each row adds its own amount to what it had released) and
    log them in one insert, inside the caller's transaction; `funded_by` is the envelope that
    funded the challenge, None for a withdrawn challenge. Each release is chained as a receipt
    of its envelope (issue 20), envelope by envelope in id order, after every other lock the
    caller took."""
    if not held:
        return
    await Pledge.update(
        {
            Pledge.amount_cents: 0,
            Pledge.released_cents: Pledge.released_cents + Pledge.amount_cents,
            Pledge.released_for: funded_by,
            Pledge.released_at: moment,
            Pledge.updated_at: moment,
        }
    ).where(Pledge.id.is_in([pledge.id for pledge in held]))
    await audit.record_many(
        actor,
        "pledge.release",
        (
            audit.Entry(
                entity="pledge",
                entity_id=pledge.id,
                network_id=network_id,
                before={"amount_cents": pledge.amount_cents},
                after={
                    "amount_cents": 0,
                    "released_cents": pledge.amount_cents,
                    "funded_by_envelope_id": funded_by,
                    "challenge_withdrawn": funded_by is None,
                    "challenge_id": pledge.challenge,
                    "envelope_id": pledge.envelope,
                    "lieu_id": pledge.lieu,
                    "org_id": pledge.org,
                },
            )
            for pledge in held
        ),
    )
    by_envelope: dict[int, list[receipts.Write]] = {}
    for pledge in held:
        by_envelope.setdefault(pledge.envelope, []).append(
            receipts.Write(
                kind="release",
                lieu_id=pledge.lieu,
                org_id=pledge.org,
                challenge_id=pledge.challenge,
                source="own_funds" if pledge.source == "own_funds" else "drawing_rights",
                amount=0,
            )
        )
    for envelope_id in sorted(by_envelope):
        await receipts.append(envelope_id, by_envelope[envelope_id], moment)
