"""Pledging to a challenge of an envelope (SPEC §4): set, change or withdraw (amount 0).

No pledge is lost or counted twice, whatever the concurrency: the check of the lieu's drawing
rights and the write happen in one transaction that holds the lieu's row in the envelope (on
PostgreSQL, SELECT ... FOR UPDATE; on SQLite, writers take turns), and a request retried with
the same idempotency key is honoured once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cobudget.db.tables import (
    Challenge,
    CofundingOrg,
    Envelope,
    EnvelopeLieu,
    Pledge,
    PledgeRequest,
    Support,
)
from cobudget.db.transactions import for_update, write_transaction
from cobudget.domain import lifecycle
from cobudget.domain import pledges as rules
from cobudget.domain.challenges import is_consented
from cobudget.domain.errors import InvalidInput, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.types import Lieu as EngineLieu
from cobudget.services import audit, envelope_inputs
from cobudget.services.challenges import challenges_proposed_by
from cobudget.services.clock import now
from cobudget.services.envelopes import calendar_of
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


async def _consented(challenge: dict[str, object]) -> bool:
    latest = await latest_round(int(str(challenge["id"])))
    return is_consented(
        int(str(challenge["current_version"])),
        latest.round if latest else None,
        latest.positions if latest else (),
        now(),
    )


@dataclass(frozen=True)
class _Context:
    """What both a pledge and a support are checked against, read before the lock."""

    envelope: dict[str, object]
    network_id: int
    rights: dict[int, int]
    consented: bool
    in_envelope: bool


async def _context(
    actor: Actor,
    *,
    envelope_id: int,
    challenge_id: int,
    lieu_id: int | None,
    org_id: int | None,
) -> _Context:
    """Refuse an actor who may not speak for this lieu or organisation in this envelope."""
    envelope = (
        await Envelope.select().where(Envelope.id == envelope_id).output(load_json=True).first()
    )
    challenge = await Challenge.select().where(Challenge.id == challenge_id).first()
    if envelope is None:
        raise NotFound("envelope", envelope_id)
    if challenge is None or challenge["network"] != envelope["network"]:
        raise NotFound("challenge", challenge_id)
    network_id = int(envelope["network"])
    orgs = await CofundingOrg.select(CofundingOrg.id).where(CofundingOrg.network == network_id)
    lieux = await EnvelopeLieu.select(EnvelopeLieu.lieu, EnvelopeLieu.weight).where(
        EnvelopeLieu.envelope == envelope_id
    )
    require(
        actor,
        Action.PLEDGE,
        Target(
            network_id=network_id,
            lieu_id=lieu_id,
            org_id=org_id,
            lieu_network_ids=frozenset({network_id})
            if any(r["lieu"] == lieu_id for r in lieux)
            else frozenset(),
            network_org_ids=frozenset(r["id"] for r in orgs),
        ),
    )
    rights = (
        drawing_rights(
            int(envelope["amount_cents"]),
            [EngineLieu(id=r["lieu"], weight=r["weight"]) for r in lieux],
        )
        if any(r["weight"] for r in lieux)
        else {}
    )
    return _Context(
        envelope=envelope,
        network_id=network_id,
        rights=rights,
        consented=await _consented(challenge),
        in_envelope=challenge_id in await envelope_inputs.challenge_ids(envelope),
    )


async def _hold(envelope_id: int, lieu_id: int | None, org_id: int | None) -> None:
    """Hold the contributor's row until the transaction ends: its writes take turns."""
    if lieu_id is not None:
        await for_update(
            EnvelopeLieu.select(EnvelopeLieu.id)
            .where(EnvelopeLieu.envelope == envelope_id)
            .where(EnvelopeLieu.lieu == lieu_id)
        )
    else:
        await for_update(CofundingOrg.select(CofundingOrg.id).where(CofundingOrg.id == org_id))


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
) -> None:
    """The contributor's pledge to the challenge from `source` becomes `amount_cents`."""
    context = await _context(
        actor, envelope_id=envelope_id, challenge_id=challenge_id, lieu_id=lieu_id, org_id=org_id
    )
    envelope, network_id, rights = context.envelope, context.network_id, context.rights
    proposed = await challenges_proposed_by(lieu_id) if lieu_id is not None else frozenset()
    async with write_transaction():
        await _hold(envelope_id, lieu_id, org_id)
        # Checked once the contributor's row is held: a concurrent retry waits for the first
        # request to commit, then sees its key.
        if idempotency_key and await PledgeRequest.exists().where(
            PledgeRequest.key == idempotency_key
        ):
            return  # already honoured: a retry counts once
        contributor = (Pledge.lieu == lieu_id) if lieu_id is not None else (Pledge.org == org_id)
        mine = (
            await Pledge.select(Pledge.id, Pledge.challenge, Pledge.source, Pledge.amount_cents)
            .where(Pledge.envelope == envelope_id)
            .where(contributor)
        )
        current = next(
            (p for p in mine if p["challenge"] == challenge_id and p["source"] == source), None
        )
        others = [p for p in mine if p is not current and p["source"] == "drawing_rights"]
        refusal = rules.refusal(
            rules.PledgeFacts(
                source=source,
                amount_cents=amount_cents,
                contributor_is_lieu=lieu_id is not None,
                funding_open=lifecycle.pledges_are_open(calendar_of(envelope), now()),
                challenge_consented=context.consented,
                challenge_in_envelope=context.in_envelope,
                drawing_rights_allowed=rules.drawing_rights_allowed(
                    str(envelope["rule"]), str(envelope["support"])
                ),
                rights_cents=rights.get(lieu_id or 0, 0),
                other_rights_pledged_cents=sum(p["amount_cents"] for p in others),
                proposes_challenge=challenge_id in proposed,
                own_challenges_other_cents=sum(
                    p["amount_cents"] for p in others if p["challenge"] in proposed
                ),
                own_challenge_cap_pct=int(envelope["own_challenge_cap_pct"])
                if envelope["rule"] == "cofunding"
                else None,
            )
        )
        if refusal is not None:
            raise InvalidInput({refusal[0]: refusal[1]})
        if current is None:
            rows = await Pledge.insert(
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
            pledge_id = rows[0]["id"]
        else:
            pledge_id = current["id"]
            await Pledge.update(
                {
                    Pledge.amount_cents: amount_cents,
                    Pledge.pledged_by: actor.user_id,
                    Pledge.updated_at: now(),
                }
            ).where(Pledge.id == pledge_id)
        if idempotency_key:
            await PledgeRequest.insert(
                PledgeRequest(key=idempotency_key, pledge=pledge_id, at=now())
            )
        await audit.record(
            actor,
            "pledge.set",
            entity="pledge",
            entity_id=pledge_id,
            network_id=network_id,
            before={"amount_cents": current["amount_cents"] if current else 0},
            after={
                "amount_cents": amount_cents,
                "source": source,
                "challenge_id": challenge_id,
                "lieu_id": lieu_id,
                "org_id": org_id,
            },
        )


async def set_support(
    actor: Actor, *, envelope_id: int, challenge_id: int, lieu_id: int, points: int
) -> None:
    """The lieu's approval (1) or points for the challenge become `points`; 0 withdraws them.
    Only under `equal_shares` with support by approval or points (SPEC §6.2)."""
    context = await _context(
        actor, envelope_id=envelope_id, challenge_id=challenge_id, lieu_id=lieu_id, org_id=None
    )
    envelope = context.envelope
    if envelope["support"] == "approval" and points > 1:
        raise InvalidInput({"points": "out_of_range:0:1"})
    async with write_transaction():
        await _hold(envelope_id, lieu_id, None)
        refusal = rules.support_refusal(
            funding_open=lifecycle.pledges_are_open(calendar_of(envelope), now()),
            in_envelope=context.in_envelope,
            consented=context.consented,
            by_support=envelope["rule"] == "equal_shares"
            and envelope["support"] in ("approval", "points"),
            points=points,
        )
        if refusal is not None:
            raise InvalidInput({refusal[0]: refusal[1]})
        mine = Support.lieu == lieu_id
        current = (
            await Support.select(Support.id, Support.points)
            .where(Support.envelope == envelope_id)
            .where(Support.challenge == challenge_id)
            .where(mine)
            .first()
        )
        if points == 0:
            if current is not None:
                await Support.delete().where(Support.id == current["id"])
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
            ).where(Support.id == current["id"])
        await audit.record(
            actor,
            "support.set",
            entity="envelope",
            entity_id=envelope_id,
            network_id=context.network_id,
            before={"points": current["points"] if current else 0},
            after={"points": points, "challenge_id": challenge_id, "lieu_id": lieu_id},
        )
