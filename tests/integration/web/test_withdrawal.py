"""Withdrawing a challenge (issue 17, cobudget#862): its proposing lieu withdraws it with a reason,
after a confirmation; it keeps its history, its open rounds close, its pledges are released and
the people concerned are told; nothing is added to it afterwards; a funded challenge stays."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

from cobudget.db.tables import (
    AuditEntry,
    Challenge,
    ConsentRound,
    CoProposer,
    Notification,
    Pledge,
    RoundPosition,
    Support,
)
from cobudget.domain.errors import Busy, InvalidInput
from cobudget.domain.permissions import Actor
from cobudget.services import envelope_inputs, next_rounds, pledges, withdrawal
from cobudget.services.clock import now
from cobudget.settings import Settings
from tests.integration.conftest import World, log_in, page_text, post_form
from tests.support import factories

REASON = "Un autre réseau porte déjà ce commun : nous le rejoignons."


async def _mine(world: World, title: str = "Un défi à retirer") -> int:
    """A consented challenge of the member's lieu (the other lieu consented to it)."""
    return await factories.make_consented_challenge(
        world.network_id, world.lieu_id, world.other_lieu_id, title
    )


async def _withdraw(client, challenge_id: int, reason: str = REASON, *, confirm: bool = True):  # type: ignore[no-untyped-def]
    data = {"withdrawal_reason": reason} | ({"confirm": "1"} if confirm else {})
    return await post_form(
        client, f"/defis/{challenge_id}/retrait", data, form_page=f"/defis/{challenge_id}"
    )


async def _withdrawn(challenge_id: int) -> dict[str, object] | None:
    return await (
        Challenge.select(Challenge.withdrawn_at, Challenge.withdrawal_reason)
        .where(Challenge.id == challenge_id)
        .first()
    )


async def _audited(action: str) -> dict[str, object]:
    """What the first audit entry of `action` says happened after."""
    entry = (
        await AuditEntry.select(AuditEntry.after)
        .where(AuditEntry.action == action)
        .first()
        .output(load_json=True)
    )
    assert entry is not None, action
    return dict(entry["after"])


async def _pledge_from_other_lieu(world: World, challenge_id: int, cents: int) -> Actor:
    """A member of the other lieu pledges from its drawing rights in the envelope in funding."""
    user = await factories.make_user(f"comptoir{challenge_id}@exemple.fr", "Léa Comptoir")
    await factories.add_member(user, world.other_lieu_id)
    actor = Actor(user_id=user, member_of=frozenset({world.other_lieu_id}))
    await _pledge(actor, world, challenge_id, cents)
    return actor


async def _pledge(actor: Actor, world: World, challenge_id: int, cents: int) -> None:
    """The other lieu's pledge from its drawing rights becomes `cents`."""
    await pledges.set_pledge(
        actor,
        envelope_id=world.envelope_id,
        challenge_id=challenge_id,
        lieu_id=world.other_lieu_id,
        source="drawing_rights",
        amount_cents=cents,
    )


async def test_the_proposing_lieu_withdraws_after_a_confirmation_and_the_history_stays(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    challenge_id = await _mine(world)
    client = await as_role("member")
    page = page_text(await client.get(f"/defis/{challenge_id}"))
    assert "Retirer ce défi" in page
    asked = await _withdraw(client, challenge_id, confirm=False)
    assert asked.status_code == 200 and "Retirer ce défi ?" in page_text(asked)
    assert REASON in page_text(asked)  # the reason travels to the confirmed post
    assert (await _withdrawn(challenge_id)) == {"withdrawn_at": None, "withdrawal_reason": ""}
    done = await _withdraw(client, challenge_id)
    assert done.status_code == 303
    row = await _withdrawn(challenge_id)
    assert row is not None and row["withdrawn_at"] is not None
    assert row["withdrawal_reason"] == REASON
    visitor = await as_role("visitor")  # the same page for everyone
    page = page_text(await visitor.get(f"/defis/{challenge_id}"))
    assert "Défi retiré le" in page and REASON in page
    assert "Retirer le défi" not in page and "Nous aussi" not in page
    assert "Version 1" in page  # its versions stay
    network = page_text(await visitor.get(f"/reseaux/{world.network_slug}"))
    assert "Retiré" in network  # its status badge (issue 18)
    api = (await visitor.get(f"/api/challenges/{challenge_id}")).json()
    assert api["withdrawal_reason"] == REASON and api["withdrawn_at"]
    assert (await _audited("challenge.withdraw"))["reason"] == REASON


async def test_the_reason_is_required_and_bounded(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    challenge_id = await _mine(world)
    client = await as_role("lieu_admin")
    for reason, message in (("   ", "obligatoire"), ("x" * 2001, "2000")):
        response = await _withdraw(client, challenge_id, reason)
        assert response.status_code == 422
        assert message in page_text(response)
    assert (await _withdrawn(challenge_id))["withdrawn_at"] is None  # type: ignore[index]
    assert not await AuditEntry.exists().where(AuditEntry.action == "challenge.withdraw")


async def test_only_the_proposing_lieu_withdraws_not_a_co_proposer(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    """The member's lieu co-proposes `challenge_id` (accepted here): it may amend it with the
    proposing lieu, but withdrawing the whole challenge is the proposing lieu's decision."""
    await CoProposer.update({CoProposer.accepted_at: now()}).where(
        CoProposer.challenge == world.challenge_id
    )
    client = await as_role("member")
    assert "Retirer ce défi" not in (await client.get(f"/defis/{world.challenge_id}")).text
    response = await _withdraw(client, world.challenge_id)
    assert response.status_code == 403
    assert (await _withdrawn(world.challenge_id))["withdrawn_at"] is None  # type: ignore[index]


async def test_withdrawing_during_funding_releases_the_pledges_and_tells_who_pledged(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    challenge_id = await _mine(world)
    await _pledge_from_other_lieu(world, challenge_id, 40_000)
    inputs = await envelope_inputs.load(world.envelope_id)
    assert challenge_id in inputs.challenges
    client = await as_role("member")
    envelope_page = page_text(await client.get(f"/enveloppes/{world.envelope_id}"))
    assert "Un défi à retirer" in envelope_page
    assert (await _withdraw(client, challenge_id)).status_code == 303
    rows = await Pledge.select().where(Pledge.challenge == challenge_id)
    assert [(r["amount_cents"], r["released_cents"], r["released_for"]) for r in rows] == [
        (0, 40_000, None)
    ]
    # Left out of the engine's inputs, and so of the projection, at once.
    inputs = await envelope_inputs.load(world.envelope_id)
    assert challenge_id not in inputs.challenges
    assert all(p.challenge_id != challenge_id for p in inputs.inputs.pledges)
    envelope_page = page_text(await client.get(f"/enveloppes/{world.envelope_id}"))
    assert "Un défi à retirer" not in envelope_page
    # The other lieu's people are told, and see their released pledge on the envelope's page.
    told = await Notification.select(Notification.user).where(
        Notification.kind == "challenge_withdrawn"
    )
    assert told
    other = await factories.make_user("autre.comptoir@exemple.fr")
    await factories.add_member(other, world.other_lieu_id)
    client.cookies.clear()
    await log_in(client, "autre.comptoir@exemple.fr")
    released = page_text(await client.get(f"/enveloppes/{world.envelope_id}"))
    assert "400,00 € libérés sur « Un défi à retirer », retiré par ses porteurs" in released
    assert (await _audited("pledge.release"))["challenge_withdrawn"] is True


async def test_its_open_round_closes_and_nothing_is_added_afterwards(
    as_role, world: World, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    challenge_id = await _mine(world)
    actor = await _pledge_from_other_lieu(world, challenge_id, 10_000)
    round_id = await factories.make_round(challenge_id, 1, days=7)  # a round on it again
    third = await factories.make_lieu(world.network_id, "Le Troisième")
    speaker = await factories.make_user("troisieme@exemple.fr")
    await factories.add_member(speaker, third)
    await RoundPosition.insert(
        RoundPosition(round=round_id, lieu=third, kind="consent", taken_at=now())
    )
    client = await as_role("member")
    assert (await _withdraw(client, challenge_id)).status_code == 303
    # The lieu that took a position in the round it closed is told.
    assert await Notification.exists().where(
        (Notification.user == speaker) & (Notification.kind == "challenge_withdrawn")
    )
    row = await ConsentRound.select(ConsentRound.closed_at).where(ConsentRound.id == round_id)
    assert row[0]["closed_at"] is not None
    # A pledge afterwards: refused, nothing stored.
    try:
        await _pledge(actor, world, challenge_id, 5_000)
        raise AssertionError("a pledge to a withdrawn challenge was accepted")
    except InvalidInput as error:
        assert error.fields == {"challenge": "challenge_withdrawn"}
    assert await Pledge.select(Pledge.amount_cents).where(Pledge.challenge == challenge_id) == [
        {"amount_cents": 0}
    ]
    # A position afterwards, from a member of the other lieu: refused.
    positions = await RoundPosition.count()
    client.cookies.clear()
    await log_in(client, f"comptoir{challenge_id}@exemple.fr")
    taken = await post_form(
        client,
        f"/tours/{round_id}/position",
        {"lieu": str(world.other_lieu_id), "kind": "consent"},
        form_page=f"/defis/{challenge_id}",
    )
    assert taken.status_code in (403, 422)
    assert await RoundPosition.count() == positions
    # « Nous aussi » afterwards: refused too.
    concerned = await post_form(
        client,
        f"/defis/{challenge_id}/nous-aussi",
        {"lieu": str(world.other_lieu_id)},
        form_page=f"/defis/{challenge_id}",
    )
    assert concerned.status_code == 403
    assert "retiré par ses porteurs" in page_text(concerned)
    # The coordinator can neither reopen its round nor open another one.
    client.cookies.clear()
    await log_in(client, world.emails["coordinator"])
    later = (dt.datetime.now(ZoneInfo("Europe/Paris")) + dt.timedelta(days=20)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    for path in (f"/tours/{round_id}/prolongation", f"/defis/{challenge_id}/tours"):
        moved = await post_form(
            client, path, {"deadline": later}, form_page=f"/defis/{challenge_id}"
        )
        assert moved.status_code == 403, path
    rounds = await ConsentRound.select(ConsentRound.id, ConsentRound.closed_at).where(
        ConsentRound.challenge == challenge_id
    )
    assert len(rounds) == 2  # the one of its consent, closed by its dates, and this one
    assert next(r for r in rounds if r["id"] == round_id)["closed_at"] is not None
    # Withdrawing twice: refused.
    client.cookies.clear()
    await log_in(client, world.emails["member"])
    again = await _withdraw(client, challenge_id)
    assert again.status_code == 422 and "déjà retiré" in page_text(again)


async def test_a_challenge_a_settlement_funded_is_not_withdrawn(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("member")
    response = await _withdraw(client, world.funded_challenge_id)
    assert response.status_code == 422
    assert "Une répartition a déjà financé ce défi" in page_text(response)
    assert (await _withdrawn(world.funded_challenge_id))["withdrawn_at"] is None  # type: ignore[index]
    assert not await AuditEntry.exists().where(AuditEntry.action == "challenge.withdraw")


async def test_a_closed_envelope_awaiting_its_settlement_keeps_the_challenge(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    challenge_id = await _mine(world)
    await Pledge.insert(
        Pledge(
            envelope=world.closed_envelope_id,
            challenge=challenge_id,
            lieu=world.other_lieu_id,
            source="drawing_rights",
            amount_cents=10_000,
            updated_at=now(),
        )
    )
    client = await as_role("member")
    response = await _withdraw(client, challenge_id)
    assert response.status_code == 422
    assert "attend son règlement" in page_text(response)
    assert await Pledge.select(Pledge.amount_cents).where(Pledge.challenge == challenge_id) == [
        {"amount_cents": 10_000}
    ]


async def test_a_closed_envelope_that_shares_by_support_keeps_the_challenge_it_supports(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    """Under equal shares by approval the lieux' support, not pledges, decides the money:
    closing froze it as it froze pledges, so a challenge supported there stays until the
    settlement (withdrawn meanwhile, it would hand its share to other challenges)."""
    challenge_id = await _mine(world)
    closed = await factories.make_envelope(
        world.network_id, [world.lieu_id, world.other_lieu_id], rule="equal_shares", phase="closed"
    )
    await Support.insert(
        Support(
            envelope=closed,
            lieu=world.other_lieu_id,
            challenge=challenge_id,
            points=1,
            updated_at=now(),
        )
    )
    client = await as_role("member")
    response = await _withdraw(client, challenge_id)
    assert response.status_code == 422
    assert "attend son règlement" in page_text(response)
    assert (await _withdrawn(challenge_id) or {}).get("withdrawn_at") is None
    assert challenge_id in (await envelope_inputs.load(closed)).challenges


async def test_a_pledge_and_a_withdrawal_at_once_leave_no_pledge_counted(
    world: World, settings: Settings
) -> None:
    """Whatever the order the database gives them, no pledge stays counted on a withdrawn
    challenge: the pledge either comes first and is released, or comes after and is refused."""
    member = await factories.make_user("retrait.course@exemple.fr")
    await factories.add_member(member, world.lieu_id)
    proposer = Actor(user_id=member, member_of=frozenset({world.lieu_id}))
    for attempt in range(4):
        challenge_id = await _mine(world, f"Défi de course {attempt}")
        user = await factories.make_user(f"course{attempt}@exemple.fr")
        await factories.add_member(user, world.other_lieu_id)
        pledger = Actor(user_id=user, member_of=frozenset({world.other_lieu_id}))

        async def pledge(challenge_id: int = challenge_id, pledger: Actor = pledger) -> None:
            with contextlib.suppress(InvalidInput, Busy):
                await _pledge(pledger, world, challenge_id, 1_000)

        async def withdraw(challenge_id: int = challenge_id) -> None:
            await withdrawal.withdraw(settings, proposer, challenge_id=challenge_id, reason=REASON)

        tasks = (pledge(), withdraw()) if attempt % 2 else (withdraw(), pledge())
        await asyncio.gather(*tasks)
        row = await _withdrawn(challenge_id)
        assert row is not None and row["withdrawn_at"] is not None
        counted = await Pledge.select(Pledge.amount_cents).where(
            (Pledge.challenge == challenge_id) & (Pledge.amount_cents > 0)
        )
        assert counted == [], attempt
        inputs = await envelope_inputs.load(world.envelope_id)
        assert challenge_id not in inputs.challenges


async def test_a_withdrawn_challenge_is_not_offered_to_a_next_round(
    world: World, settings: Settings
) -> None:
    """The settled envelope left `fresh_challenge_id` unfunded: a next round could carry it
    over, until its proposing lieu withdraws it."""
    carried = {
        cid for cid, _title in (await next_rounds.what_carries(world.settled_envelope_id)).unfunded
    }
    assert world.fresh_challenge_id in carried
    user = await factories.make_user("porteur.comptoir@exemple.fr")
    await factories.add_member(user, world.other_lieu_id)
    proposer = Actor(user_id=user, member_of=frozenset({world.other_lieu_id}))
    await withdrawal.withdraw(
        settings, proposer, challenge_id=world.fresh_challenge_id, reason=REASON
    )
    carry = await next_rounds.what_carries(world.settled_envelope_id)
    assert world.fresh_challenge_id not in {cid for cid, _title in carry.unfunded}
