"""Pledging to a challenge of an envelope (SPEC §4): set, change or withdraw (amount 0).

No pledge is lost or counted twice, whatever the concurrency: the check of the lieu's drawing
rights and the write happen in one transaction that holds the lieu's row in the envelope (on
PostgreSQL, SELECT ... FOR UPDATE; on SQLite, writers take turns), and a request retried with
the same idempotency key is honoured once."""

from __future__ import annotations

from cobudget.db.tables import (
    Challenge,
    CofundingOrg,
    Envelope,
    EnvelopeLieu,
    Pledge,
    PledgeRequest,
)
from cobudget.db.transactions import for_update, write_transaction
from cobudget.domain import lifecycle
from cobudget.domain import pledges as rules
from cobudget.domain.challenges import is_consented
from cobudget.domain.errors import InvalidInput, NotFound
from cobudget.domain.permissions import Action, Actor, Target, require
from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.types import Lieu as EngineLieu
from cobudget.services import audit
from cobudget.services.challenges import challenges_proposed_by
from cobudget.services.clock import now
from cobudget.services.envelopes import calendar_of
from cobudget.services.rounds import latest_round


async def _consented(challenge: dict[str, object]) -> bool:
    latest = await latest_round(int(str(challenge["id"])))
    return is_consented(
        int(str(challenge["current_version"])),
        latest.round if latest else None,
        latest.positions if latest else (),
        now(),
    )


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
    envelope = await Envelope.select().where(Envelope.id == envelope_id).first()
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
    consented = await _consented(challenge)
    proposed = await challenges_proposed_by(lieu_id) if lieu_id is not None else frozenset()
    rights = (
        drawing_rights(
            int(envelope["amount_cents"]),
            [EngineLieu(id=r["lieu"], weight=r["weight"]) for r in lieux],
        )
        if any(r["weight"] for r in lieux)
        else {}
    )
    async with write_transaction():
        if lieu_id is not None:
            await for_update(
                EnvelopeLieu.select(EnvelopeLieu.id)
                .where(EnvelopeLieu.envelope == envelope_id)
                .where(EnvelopeLieu.lieu == lieu_id)
            )
        else:
            await for_update(CofundingOrg.select(CofundingOrg.id).where(CofundingOrg.id == org_id))
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
                challenge_consented=consented,
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
