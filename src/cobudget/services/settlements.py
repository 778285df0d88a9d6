"""Settling an envelope (SPEC §4, §6): the engine runs once on the frozen inputs, and the
canonical inputs, the settlement bytes and their digest are stored together, once, in the same
transaction that marks the envelope settled. Anything that fails on the way rolls all of it
back, so an envelope is either closed and unsettled, or settled with its whole settlement.

`verify` recomputes the settlement from the stored inputs and compares bytes, which is exactly
what `cobudget verify` does offline on the published files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import msgspec

from cobudget.db.rows import fetch, fetch_one, typed_one
from cobudget.db.tables import Challenge, Envelope, Pledge, SettlementRecord
from cobudget.db.transactions import allow_long_pause, for_update, write_transaction
from cobudget.domain import lifecycle
from cobudget.domain.errors import ConfirmationNeeded, InvalidInput, NotAllowed, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.engine import canonical
from cobudget.engine.settlement import Settlement
from cobudget.engine.types import ReceiptChain
from cobudget.services import audit, computations, envelope_inputs, outbox, receipts, releases
from cobudget.services.clock import now
from cobudget.services.envelopes import EnvelopeRow, audience, calendar_of
from cobudget.services.queries.networks import network_by_id
from cobudget.settings import Settings

# The engine settles the largest envelopes seen (10,000 lieux) in a few seconds, inside the
# settling transaction: it may stay idle that long, not the idle-in-transaction timeout.
SETTLE_PAUSE_SECONDS = 300


@dataclass(frozen=True)
class Stored:
    """A published settlement as stored: the bytes anyone can download and verify."""

    inputs: bytes
    settlement: bytes
    digest: str
    settled_at: dt.datetime

    @property
    def decoded(self) -> Settlement:
        return canonical.decode_settlement(self.settlement)


class _Record(msgspec.Struct, frozen=True):
    inputs: str
    settlement: str
    digest: str
    settled_at: dt.datetime


async def stored(envelope_id: int) -> Stored | None:
    row = await fetch_one(
        SettlementRecord.select(
            SettlementRecord.inputs,
            SettlementRecord.settlement,
            SettlementRecord.digest,
            SettlementRecord.settled_at,
        )
        .where(SettlementRecord.envelope == envelope_id)
        .first(),
        _Record,
    )
    if row is None:
        return None
    return Stored(
        inputs=row.inputs.encode(),
        settlement=row.settlement.encode(),
        digest=row.digest,
        settled_at=row.settled_at,
    )


async def settle(
    settings: Settings, actor: Actor, *, envelope_id: int, confirmed: bool = True
) -> str:
    """Settle a closed envelope once; returns the digest of its inputs.

    Everything happens in one write transaction that holds the envelope's row for update: the
    pledges in flight commit first (they hold it shared), so the inputs read here are exactly
    the pledges acknowledged before the close, and a second settle waits, then finds the
    settlement and is refused. The challenges it may fund are held too, so that a pledge to one
    of them in another envelope is either seen and released here, or comes after and is refused
    there."""
    network_id = await network_id_of(envelope_id)
    require(actor, Action.ENVELOPE_MANAGE, Target(network_id=network_id))
    recipients = await audience(envelope_id, network_id)
    async with write_transaction():
        # The whole row, as `envelope_inputs` reads it.
        fresh = (
            await for_update(Envelope.select().where(Envelope.id == envelope_id))
            .output(load_json=True)
            .first()
        )
        envelope = typed_one(fresh, EnvelopeRow)
        if fresh is None or envelope is None:
            raise NotFound("envelope", envelope_id)
        moment = now()
        decision = lifecycle.can_settle(calendar_of(envelope), moment)
        if not decision.allowed or await SettlementRecord.exists().where(
            SettlementRecord.envelope == envelope_id
        ):
            raise NotAllowed("envelope.settle", decision.reason or "already_settled")
        if not confirmed:  # every check passed; nothing written yet (issue 16)
            raise ConfirmationNeeded("envelope.settle")
        candidates = await envelope_inputs.challenge_ids(fresh)
        await for_update(
            Challenge.select(Challenge.id)
            .where(Challenge.id.is_in(candidates or [0]))
            .order_by(Challenge.id)
        )
        # The chain of receipts, held: its head and count go into the inputs, so the digest
        # covers every acknowledged write (issue 20).
        head = await receipts.held_head(envelope_id)
        inputs = msgspec.structs.replace(
            (await envelope_inputs.load(envelope_id, row=fresh)).inputs,
            chain=ReceiptChain(writes=head.writes, head=head.head),
        )
        await allow_long_pause(SETTLE_PAUSE_SECONDS)  # the engine runs between two statements
        input_bytes = canonical.encode_input(inputs)
        # In a worker process: a large envelope takes seconds, and the other requests of this
        # process go on meanwhile (the transaction waits, not the event loop).
        settlement_bytes, refusal = await computations.settle(input_bytes)
        if settlement_bytes is None:
            item, _sep, reason = str(refusal).partition(": ")
            raise InvalidInput({"settlement": f"engine_refused:{item}:{reason}"})
        settlement = canonical.decode_settlement(settlement_bytes)
        await SettlementRecord.insert(
            SettlementRecord(
                envelope=envelope_id,
                inputs=input_bytes.decode(),
                settlement=settlement_bytes.decode(),
                digest=settlement.inputs_digest,
                settled_by=actor.user_id,
                settled_at=moment,
            )
        )
        await Envelope.update({Envelope.settled_at: moment}).where(Envelope.id == envelope_id)
        funded = [c.challenge_id for c in settlement.challenges if c.funded]
        await audit.record(
            actor,
            "envelope.settle",
            entity="envelope",
            entity_id=envelope_id,
            network_id=network_id,
            before={"phase": lifecycle.Phase.CLOSED.value},
            after={
                "phase": lifecycle.Phase.FOLLOW_UP.value,
                "digest": settlement.inputs_digest,
                "chain_head": head.head,
                "writes": head.writes,
                "funded": funded,
                "leftover_cents": settlement.leftover_cents,
            },
        )
        await release_funded_elsewhere(
            actor, envelope_id=envelope_id, network_id=network_id, funded=funded, moment=moment
        )
        await outbox.enqueue_many(
            recipients,
            "settlement_published",
            title=envelope.title,
            funded=len(funded),
            leftover_cents=settlement.leftover_cents,
            digest=settlement.inputs_digest,
            link=f"{settings.base_url}/enveloppes/{envelope_id}",
        )
    return settlement.inputs_digest


async def release_funded_elsewhere(
    actor: Actor, *, envelope_id: int, network_id: int, funded: list[int], moment: dt.datetime
) -> int:
    """Release the pledges that other envelopes, not settled yet, hold on the challenges this
    one funded (SPEC §4): each keeps what it had pledged as released, with the envelope that
    funded the challenge, and the drawing rights it held are free again. Runs inside the
    settling transaction, which holds those challenges' rows. Returns how many were released.

    Three statements however many pledges: read them, release them all in one update (each
    row adds its own amount to what it had released), and log them in one insert."""
    if not funded:
        return 0
    held = await fetch(
        Pledge.select(*releases.HELD_COLUMNS)
        .where(
            Pledge.envelope.is_in(
                Envelope.select(Envelope.id)
                .where(Envelope.network == network_id)
                .where(Envelope.id != envelope_id)
                .where(Envelope.settled_at.is_null())
            )
        )
        .where(Pledge.challenge.is_in(funded))
        .where(Pledge.amount_cents > 0)
        .order_by(Pledge.id),
        releases.HeldPledge,
    )
    await releases.release(actor, held, network_id=network_id, moment=moment, funded_by=envelope_id)
    return len(held)


@dataclass(frozen=True)
class Verification:
    identical: bool
    digest: str
    recomputed_digest: str


async def verify(actor: Actor, envelope_id: int) -> Verification:
    """Recompute the settlement from the stored inputs; identical means byte for byte.

    Whoever may read the network asks, and only then is anything computed; the answer is
    remembered by the bytes it compares, since a published settlement never changes."""
    record = await readable(actor, envelope_id)

    async def recompute() -> Verification:
        again, _refusal = await computations.settle(record.inputs)
        return Verification(
            identical=again == record.settlement,
            digest=record.digest,
            recomputed_digest=hashlib.sha256(record.inputs).hexdigest(),
        )

    key = ("verify", hashlib.sha256(record.inputs + b"\0" + record.settlement).hexdigest())
    return await computations.remembered(key, recompute)


class _InNetwork(msgspec.Struct, frozen=True):
    network: int


async def network_id_of(envelope_id: int) -> int:
    row = await fetch_one(
        Envelope.select(Envelope.network).where(Envelope.id == envelope_id).first(), _InNetwork
    )
    if row is None:
        raise NotFound("envelope", envelope_id)
    return row.network


async def readable(actor: Actor, envelope_id: int) -> Stored:
    """The published settlement, for whoever may read its network (settled: never a draft)."""
    await network_by_id(actor, await network_id_of(envelope_id))
    record = await stored(envelope_id)
    if record is None:
        raise NotFound("settlement", envelope_id)
    return record
