"""Pledging to a challenge of an envelope (SPEC §4): set, change or withdraw (amount 0).

No pledge is lost or counted twice, whatever the concurrency, and none crosses the close. Every
rule is checked inside the write transaction, on rows held until it ends:
- the envelope's row, shared by every pledge and support (on PostgreSQL, SELECT ... FOR SHARE):
  closing and settling lock it for update, so they wait for the pledges in flight, and a pledge
  that comes after them reads the new calendar and is refused;
- the contributor's row (FOR UPDATE): its drawing rights are spent by one request at a time;
- the challenge's row (FOR UPDATE): the challenge's total is checked against its maximum by one
  request at a time, and a settlement of another envelope that funds it (and so releases its
  pledges here) cannot pass a pledge in flight.
On SQLite, write transactions take turns (BEGIN IMMEDIATE), which gives the same order.

Each acknowledged write appends its receipt to the envelope's chain, last, in the same
transaction (`services.receipts`, issue 20), and answers it.

An idempotency key is scoped to who speaks (person, unit, envelope): a retry with the same key
and the same body answers what the first request stored; the same key with another body is
refused (`Conflict`) and changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import msgspec

from cobudget.db.rows import fetch, fetch_one, typed_one
from cobudget.db.tables import (
    BudgetLine,
    Challenge,
    CofundingOrg,
    Envelope,
    EnvelopeLieu,
    Pledge,
    PledgeRequest,
    Support,
)
from cobudget.db.transactions import (
    RowId,
    for_share,
    for_update,
    inserted_id,
    write_transaction,
)
from cobudget.domain import lifecycle
from cobudget.domain import pledges as rules
from cobudget.domain.challenges import is_consented
from cobudget.domain.errors import Conflict, InvalidInput, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.types import Lieu as EngineLieu
from cobudget.services import audit, envelope_inputs, receipts
from cobudget.services.challenges import challenges_proposed_by
from cobudget.services.clock import now
from cobudget.services.envelopes import EnvelopeRow, LieuWeight, calendar_of
from cobudget.services.rounds import latest_round

# Who pledges, as forms and the API send it: "lieu:N" or "org:N" (`queries.projection.Unit`).
_UNIT = re.compile(r"(lieu|org):([0-9]{1,9})", re.ASCII)


def parse_unit(value: str) -> tuple[int | None, int | None]:
    """(lieu id, None) or (None, organisation id) from "lieu:N" / "org:N"."""
    match = _UNIT.fullmatch(value)
    if match is None:
        raise InvalidInput({"unit": "invalid_unit"})
    ident = int(match.group(2))
    return (ident, None) if match.group(1) == "lieu" else (None, ident)


def unit_of(lieu_id: int | None, org_id: int | None) -> str:
    return f"lieu:{lieu_id}" if lieu_id is not None else f"org:{org_id}"


@dataclass(frozen=True)
class PledgeResult:
    """What one request stored (a retry answers what its first request stored)."""

    pledge_id: int
    amount_cents: int
    receipt: str = ""  # 16 characters (`engine.receipts.short_code` groups them)
    replayed: bool = False


class _InNetwork(msgspec.Struct, frozen=True):
    network: int


async def _authorize(
    actor: Actor,
    *,
    envelope_id: int,
    challenge_id: int,
    lieu_id: int | None,
    org_id: int | None,
    own_funds: bool = False,
) -> int:
    """Refuse an actor who may not speak for this lieu or organisation in this envelope, before
    anything is written; returns the envelope's network."""
    envelope = await fetch_one(
        Envelope.select(Envelope.network).where(Envelope.id == envelope_id).first(), _InNetwork
    )
    if envelope is None:
        raise NotFound("envelope", envelope_id)
    network_id = envelope.network
    challenge = await fetch_one(
        Challenge.select(Challenge.network).where(Challenge.id == challenge_id).first(),
        _InNetwork,
    )
    if challenge is None or challenge.network != network_id:
        raise NotFound("challenge", challenge_id)
    in_envelope = lieu_id is not None and await EnvelopeLieu.exists().where(
        (EnvelopeLieu.envelope == envelope_id) & (EnvelopeLieu.lieu == lieu_id)
    )
    orgs = await fetch(
        CofundingOrg.select(CofundingOrg.id).where(CofundingOrg.network == network_id), RowId
    )
    target = Target(
        network_id=network_id,
        lieu_id=lieu_id,
        org_id=org_id,
        lieu_network_ids=frozenset({network_id}) if in_envelope else frozenset(),
        network_org_ids=frozenset(r.id for r in orgs),
    )
    require(actor, Action.PLEDGE_OWN_FUNDS if own_funds else Action.PLEDGE, target)
    return network_id


@dataclass(frozen=True)
class _Held:
    """The envelope and the challenge as they stand once their rows are held: what the rules
    are checked against, typed."""

    amount_cents: int
    rule: str
    support: str
    own_challenge_cap_pct: int
    funding_open: bool
    in_envelope: bool
    consented: bool
    current_version: int


async def _hold(
    envelope_id: int, challenge_id: int, lieu_id: int | None, org_id: int | None
) -> _Held:
    """Hold the envelope (shared), the contributor and the challenge (exclusive) until the
    transaction ends, in that order everywhere, and read what the rules are checked against."""
    # The whole row, as `envelope_inputs.challenge_ids` reads it.
    row = (
        await for_share(Envelope.select().where(Envelope.id == envelope_id))
        .output(load_json=True)
        .first()
    )
    envelope = typed_one(row, EnvelopeRow)
    if row is None or envelope is None:
        raise NotFound("envelope", envelope_id)
    if lieu_id is not None:
        await for_update(
            EnvelopeLieu.select(EnvelopeLieu.id)
            .where(EnvelopeLieu.envelope == envelope_id)
            .where(EnvelopeLieu.lieu == lieu_id)
        )
    else:
        await for_update(CofundingOrg.select(CofundingOrg.id).where(CofundingOrg.id == org_id))
    challenge = await fetch_one(
        for_update(
            Challenge.select(Challenge.current_version, Challenge.withdrawn_at).where(
                Challenge.id == challenge_id
            )
        ).first(),
        _Versioned,
    )
    if challenge is None:
        raise NotFound("challenge", challenge_id)
    if challenge.withdrawn_at is not None:  # read on the row held: a withdrawal came first
        raise InvalidInput({"challenge": "challenge_withdrawn"})
    moment = now()
    latest = await latest_round(challenge_id)
    return _Held(
        amount_cents=envelope.amount_cents,
        rule=envelope.rule,
        support=envelope.support,
        own_challenge_cap_pct=envelope.own_challenge_cap_pct,
        funding_open=lifecycle.pledges_are_open(calendar_of(envelope), moment),
        in_envelope=challenge_id in await envelope_inputs.challenge_ids(row),
        consented=is_consented(
            challenge.current_version,
            latest.round if latest else None,
            latest.positions if latest else (),
            moment,
        ),
        current_version=challenge.current_version,
    )


class _Versioned(msgspec.Struct, frozen=True):
    current_version: int
    withdrawn_at: dt.datetime | None


async def _rights(envelope_id: int, amount_cents: int) -> dict[int, int]:
    lieux = await fetch(
        EnvelopeLieu.select(EnvelopeLieu.lieu, EnvelopeLieu.weight).where(
            EnvelopeLieu.envelope == envelope_id
        ),
        LieuWeight,
    )
    if not any(r.weight for r in lieux):
        return {}
    return drawing_rights(amount_cents, [EngineLieu(id=r.lieu, weight=r.weight) for r in lieux])


class _Maximum(msgspec.Struct, frozen=True):
    max_cents: int


async def _maximum_cents(challenge_id: int, version: int) -> int:
    """The sum of the maximums of the challenge's current version (SPEC §4)."""
    rows = await fetch(
        BudgetLine.select(BudgetLine.max_cents)
        .where(BudgetLine.version.challenge == challenge_id)
        .where(BudgetLine.version.number == version),
        _Maximum,
    )
    return sum(r.max_cents for r in rows)


def _request_hash(challenge_id: int, source: str, amount_cents: int) -> str:
    return hashlib.sha256(f"{challenge_id}|{source}|{amount_cents}".encode()).hexdigest()


def _scoped_key(actor: Actor, envelope_id: int, unit: str, key: str) -> str:
    """The key as stored: who speaks, for which unit, in which envelope, and what they sent."""
    return hashlib.sha256(f"{actor.user_id}|{envelope_id}|{unit}|{key}".encode()).hexdigest()


async def _honoured(scoped_key: str, request_hash: str) -> PledgeResult | None:
    """What the first request with this key stored, or None for a new key; the same key with
    another body is a conflict."""
    row = await fetch_one(
        PledgeRequest.select(
            PledgeRequest.pledge,
            PledgeRequest.request_hash,
            PledgeRequest.amount_cents,
            PledgeRequest.receipt,
        )
        .where(PledgeRequest.key == scoped_key)
        .first(),
        _Honoured,
    )
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise Conflict("idempotency_key_reused")
    return PledgeResult(
        pledge_id=row.pledge, amount_cents=row.amount_cents, receipt=row.receipt, replayed=True
    )


class _Honoured(msgspec.Struct, frozen=True):
    pledge: int
    request_hash: str
    amount_cents: int
    receipt: str


class _Mine(msgspec.Struct, frozen=True):
    """One of the contributor's pledges in the envelope."""

    id: int
    challenge: int
    source: str
    amount_cents: int


class _OnChallenge(msgspec.Struct, frozen=True):
    id: int
    amount_cents: int


async def set_pledge(
    actor: Actor,
    *,
    envelope_id: int,
    challenge_id: int,
    source: str,
    amount_cents: int,
    lieu_id: int | None = None,
    org_id: int | None = None,
    idempotency_key: str | None = None,
) -> PledgeResult:
    """The contributor's pledge to the challenge from `source` becomes `amount_cents`."""
    network_id = await _authorize(
        actor,
        envelope_id=envelope_id,
        challenge_id=challenge_id,
        lieu_id=lieu_id,
        org_id=org_id,
        own_funds=source == "own_funds",
    )
    request_hash = _request_hash(challenge_id, source, amount_cents)
    scoped = (
        _scoped_key(actor, envelope_id, unit_of(lieu_id, org_id), idempotency_key)
        if idempotency_key
        else None
    )
    async with write_transaction():
        held = await _hold(envelope_id, challenge_id, lieu_id, org_id)
        # Checked once the contributor's row is held: a concurrent retry waits for the first
        # request to commit, then sees its key.
        if scoped is not None and (answer := await _honoured(scoped, request_hash)):
            return answer
        contributor = (Pledge.lieu == lieu_id) if lieu_id is not None else (Pledge.org == org_id)
        mine = await fetch(
            Pledge.select(Pledge.id, Pledge.challenge, Pledge.source, Pledge.amount_cents)
            .where(Pledge.envelope == envelope_id)
            .where(contributor),
            _Mine,
        )
        current = next(
            (p for p in mine if p.challenge == challenge_id and p.source == source), None
        )
        others = [p for p in mine if p is not current and p.source == "drawing_rights"]
        proposed = await challenges_proposed_by(lieu_id) if lieu_id is not None else frozenset()
        on_challenge = await fetch(
            Pledge.select(Pledge.id, Pledge.amount_cents)
            .where(Pledge.envelope == envelope_id)
            .where(Pledge.challenge == challenge_id)
            .where(Pledge.amount_cents > 0),
            _OnChallenge,
        )
        rights = await _rights(envelope_id, held.amount_cents) if lieu_id is not None else {}
        refusal = rules.refusal(
            rules.PledgeFacts(
                source=source,
                amount_cents=amount_cents,
                contributor_is_lieu=lieu_id is not None,
                funding_open=held.funding_open,
                challenge_consented=held.consented,
                challenge_in_envelope=held.in_envelope,
                drawing_rights_allowed=rules.drawing_rights_allowed(held.rule, held.support),
                rights_cents=rights.get(lieu_id or 0, 0),
                other_rights_pledged_cents=sum(p.amount_cents for p in others),
                proposes_challenge=challenge_id in proposed,
                own_challenges_other_cents=sum(
                    p.amount_cents for p in others if p.challenge in proposed
                ),
                own_challenge_cap_pct=held.own_challenge_cap_pct
                if held.rule == "cofunding"
                else None,
                current_cents=current.amount_cents if current else 0,
                challenge_others_cents=sum(
                    p.amount_cents for p in on_challenge if current is None or p.id != current.id
                ),
                challenge_max_cents=await _maximum_cents(challenge_id, held.current_version),
            )
        )
        if refusal is not None:
            raise InvalidInput({refusal[0]: refusal[1]})
        if current is None:
            pledge_id = await inserted_id(
                Pledge.insert(
                    Pledge(
                        envelope=envelope_id,
                        challenge=challenge_id,
                        lieu=lieu_id,
                        org=org_id,
                        source=source,
                        amount_cents=amount_cents,
                        pledged_by=actor.user_id,
                        updated_at=now(),
                    )
                ).returning(Pledge.id)
            )
        else:
            pledge_id = current.id
            await Pledge.update(
                {
                    Pledge.amount_cents: amount_cents,
                    Pledge.pledged_by: actor.user_id,
                    Pledge.updated_at: now(),
                }
            ).where(Pledge.id == pledge_id)
        receipt = await receipts.append_one(
            envelope_id,
            receipts.Write(
                kind="pledge",
                lieu_id=lieu_id,
                org_id=org_id,
                challenge_id=challenge_id,
                source="own_funds" if source == "own_funds" else "drawing_rights",
                amount=amount_cents,
            ),
            now(),
        )
        if scoped is not None:
            await PledgeRequest.insert(
                PledgeRequest(
                    key=scoped,
                    pledge=pledge_id,
                    at=now(),
                    request_hash=request_hash,
                    amount_cents=amount_cents,
                    receipt=receipt,
                )
            )
        await audit.record(
            actor,
            "pledge.set",
            entity="pledge",
            entity_id=pledge_id,
            network_id=network_id,
            before={"amount_cents": current.amount_cents if current else 0},
            after={
                "amount_cents": amount_cents,
                "source": source,
                "challenge_id": challenge_id,
                "lieu_id": lieu_id,
                "org_id": org_id,
                "envelope_id": envelope_id,
            },
        )
    return PledgeResult(pledge_id=pledge_id, amount_cents=amount_cents, receipt=receipt)


class _Support(msgspec.Struct, frozen=True):
    id: int
    points: int


async def set_support(
    actor: Actor, *, envelope_id: int, challenge_id: int, lieu_id: int, points: int
) -> str:
    """The lieu's approval (1) or points for the challenge become `points`; 0 withdraws them.
    Only under `equal_shares` with support by approval or points (SPEC §6.2). Returns the
    write's receipt (16 characters)."""
    network_id = await _authorize(
        actor, envelope_id=envelope_id, challenge_id=challenge_id, lieu_id=lieu_id, org_id=None
    )
    async with write_transaction():
        held = await _hold(envelope_id, challenge_id, lieu_id, None)
        if held.support == "approval" and points > 1:
            raise InvalidInput({"points": "out_of_range:0:1"})
        refusal = rules.support_refusal(
            funding_open=held.funding_open,
            in_envelope=held.in_envelope,
            consented=held.consented,
            by_support=held.rule == "equal_shares" and held.support in ("approval", "points"),
            points=points,
        )
        if refusal is not None:
            raise InvalidInput({refusal[0]: refusal[1]})
        mine = Support.lieu == lieu_id
        current = await fetch_one(
            Support.select(Support.id, Support.points)
            .where(Support.envelope == envelope_id)
            .where(Support.challenge == challenge_id)
            .where(mine)
            .first(),
            _Support,
        )
        if points == 0:
            if current is not None:
                await Support.delete().where(Support.id == current.id)
        elif current is None:
            await Support.insert(
                Support(
                    envelope=envelope_id,
                    lieu=lieu_id,
                    challenge=challenge_id,
                    points=points,
                    given_by=actor.user_id,
                    updated_at=now(),
                )
            )
        else:
            await Support.update(
                {Support.points: points, Support.given_by: actor.user_id, Support.updated_at: now()}
            ).where(Support.id == current.id)
        await audit.record(
            actor,
            "support.set",
            entity="envelope",
            entity_id=envelope_id,
            network_id=network_id,
            before={"points": current.points if current else 0},
            after={"points": points, "challenge_id": challenge_id, "lieu_id": lieu_id},
        )
        return await receipts.append_one(
            envelope_id,
            receipts.Write(
                kind="support",
                lieu_id=lieu_id,
                org_id=None,
                challenge_id=challenge_id,
                source="support",
                amount=points,
            ),
            now(),
        )
