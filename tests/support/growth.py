"""Grow a network (the demo's) with more of every kind of thing its pages list, straight in the
database, so a test can tell a page whose number of queries is fixed from one whose number
grows with the data (issue 15).

What it adds keeps the shape of every page: each consent round hears more lieux (positions,
questions, comments), each challenge's discussion more threads, replies, flags and hidden
comments, the network gains lieux with people, challenges with their rounds and
budget lines, pledges in the open envelope, co-funders, invitations and journal entries; no
page changes state (no round becomes the latest of a challenge, nothing is settled) and every
envelope's money still reconciles (the pledges are small).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from cobudget.db.tables import (
    AuditEntry,
    BudgetLine,
    Challenge,
    ChallengeVersion,
    CofunderPerson,
    CofundingOrg,
    ConcernedLieu,
    ConsentRound,
    CoProposer,
    DiscussionComment,
    DiscussionFlag,
    Envelope,
    EnvelopeLieu,
    Invitation,
    Lieu,
    Membership,
    Need,
    NeedJoin,
    NetworkLieu,
    Notification,
    Pledge,
    RoundComment,
    RoundPosition,
    RoundQuestion,
    User,
)
from cobudget.services.clock import now
from cobudget.services.notifications import Kind
from tests.support.factories import password_hash

NOTIFICATION_KINDS = [kind.value for kind in Kind]


async def grow(network_id: int, *, by: int = 12, more_rounds_for: tuple[int, ...] = ()) -> None:
    """Add `by` lieux (each with two people), `by` consented challenges, and to every round of
    the network a position, a question and a comment of each new lieu, `by` pledges of 1 € per
    new challenge, `by` co-funders, invitations and 10 × `by` journal entries.

    The challenges of `more_rounds_for` (each consented in its latest round) get `by // 3`
    more consent rounds on their current version, closed and consented, with a position of
    three new lieux each: their page keeps its shape and shows more rounds."""
    moment = now()
    day = dt.timedelta(days=1)
    tag = f"{network_id}-{int(moment.timestamp() * 1000) % 10_000_000}"
    lieux = [
        row["id"]
        for row in await Lieu.insert(
            *(
                Lieu(
                    slug=f"lieu-en-plus-{tag}-{i}",
                    name=f"Lieu en plus {i:03d}",
                    town="Thiers",
                    created_at=moment,
                )
                for i in range(by)
            )
        ).returning(Lieu.id)
    ]
    await NetworkLieu.insert(
        *(NetworkLieu(network=network_id, lieu=lieu, joined_at=moment) for lieu in lieux)
    )
    users = [
        row["id"]
        for row in await User.insert(
            *(
                User(
                    email=f"personne-{tag}-{i}@exemple.fr",
                    name=f"Personne {i}",
                    password_hash=password_hash(),
                    created_at=moment,
                )
                for i in range(2 * by)
            )
        ).returning(User.id)
    ]
    await Membership.insert(
        *(
            Membership(user=user, lieu=lieux[i % by], is_admin=i < by)
            for i, user in enumerate(users)
        )
    )
    # Every lieu of the demo gets more people too (its page lists them).
    demo_lieux = [
        row["lieu"]
        for row in await NetworkLieu.select(NetworkLieu.lieu).where(
            NetworkLieu.network == network_id
        )
        if row["lieu"] not in lieux
    ]
    await Membership.insert(
        *(
            Membership(user=users[(i + j) % len(users)], lieu=lieu)
            for i, lieu in enumerate(demo_lieux)
            for j in range(2)
        )
    )

    # Every round of the network hears each new lieu: a position, a question, a comment.
    rounds = [
        row["id"]
        for row in await ConsentRound.select(ConsentRound.id).where(
            ConsentRound.challenge.network == network_id
        )
    ]
    await RoundPosition.insert(
        *(
            RoundPosition(round=round_id, lieu=lieu, kind="consent", text="", taken_at=moment - day)
            for round_id in rounds
            for lieu in lieux
        )
    )
    await RoundQuestion.insert(
        *(
            RoundQuestion(
                round=round_id,
                lieu=lieu,
                text="Qui assurera la maintenance ?",
                asked_at=moment - day,
                answer="Le lieu porteur.",
            )
            for round_id in rounds
            for lieu in lieux
        )
    )
    await RoundComment.insert(
        *(
            RoundComment(
                round=round_id,
                author=users[i % len(users)],
                lieu=lieu,
                text="Une remarque de plus.",
                created_at=moment - day,
            )
            for round_id in rounds
            for i, lieu in enumerate(lieux)
        )
    )

    # Every published challenge's discussion hears each new lieu: a thread with a reply, one
    # comment in three flagged by two people, one in four hidden.
    published = [
        row["id"]
        for row in await Challenge.select(Challenge.id).where(
            (Challenge.network == network_id) & (Challenge.current_version > 0)
        )
    ]
    threads = await DiscussionComment.insert(
        *(
            DiscussionComment(
                challenge=challenge,
                author=users[i % len(users)],
                lieu=lieu,
                version=1 if i % 2 else None,
                text="Comment faites-vous chez vous ?",
                created_at=moment - day,
                hidden_at=moment if i % 4 == 3 else None,
                hidden_reason="Hors sujet" if i % 4 == 3 else "",
            )
            for challenge in published
            for i, lieu in enumerate(lieux)
        )
    ).returning(DiscussionComment.id, DiscussionComment.challenge)
    await DiscussionComment.insert(
        *(
            DiscussionComment(
                challenge=row["challenge"],
                thread=row["id"],
                author=users[(i + 1) % len(users)],
                lieu=lieux[(i + 1) % by],
                text="Pareil chez nous.",
                created_at=moment - day,
            )
            for i, row in enumerate(threads)
        )
    )
    await DiscussionFlag.insert(
        *(
            DiscussionFlag(comment=row["id"], flagged_by=users[k], flagged_at=moment)
            for i, row in enumerate(threads)
            if i % 3 == 0
            for k in range(2)
        )
    )

    # New challenges, proposed by the new lieux, consented, with co-proposers and concerned.
    challenges = [
        row["id"]
        for row in await Challenge.insert(
            *(
                Challenge(
                    network=network_id,
                    lieu=lieux[i],
                    created_by=users[i],
                    created_at=moment - 30 * day,
                    current_version=1,
                )
                for i in range(by)
            )
        ).returning(Challenge.id)
    ]
    versions = await ChallengeVersion.insert(
        *(
            ChallengeVersion(
                challenge=challenge,
                number=1,
                title=f"Un commun de plus n° {i}",
                problem="Un problème partagé.",
                commons="Un commun partagé.",
                created_at=moment - 30 * day,
                published_at=moment - 30 * day,
            )
            for i, challenge in enumerate(challenges)
        )
    ).returning(ChallengeVersion.id)
    await BudgetLine.insert(
        *(
            BudgetLine(version=v["id"], label=label, min_cents=low, max_cents=2 * low, position=k)
            for v in versions
            for k, (label, low) in enumerate((("Développement", 30_000), ("Animation", 10_000)))
        )
    )
    await CoProposer.insert(
        *(
            CoProposer(
                challenge=challenge,
                lieu=lieux[(i + 1) % by],
                invited_at=moment - 30 * day,
                accepted_at=moment - 29 * day,
            )
            for i, challenge in enumerate(challenges)
        )
    )
    await ConcernedLieu.insert(
        *(
            ConcernedLieu(challenge=challenge, lieu=lieux[(i + 2) % by], declared_at=moment)
            for i, challenge in enumerate(challenges)
        )
    )
    new_rounds = await ConsentRound.insert(
        *(
            ConsentRound(
                challenge=challenge,
                version=1,
                opened_at=moment - 25 * day,
                deadline=moment - 11 * day,
                quorum=1,
                closed_at=moment - 11 * day,
            )
            for challenge in challenges
        )
    ).returning(ConsentRound.id)
    await RoundPosition.insert(
        *(
            RoundPosition(
                round=row["id"],
                lieu=lieux[(i + k + 3) % by],
                kind="consent",
                taken_at=moment - 20 * day,
            )
            for i, row in enumerate(new_rounds)
            for k in range(3)
        )
    )

    for challenge in more_rounds_for:
        current = (
            await Challenge.select(Challenge.current_version)
            .where(Challenge.id == challenge)
            .first()
        )
        assert current is not None
        added = await ConsentRound.insert(
            *(
                ConsentRound(
                    challenge=challenge,
                    version=current["current_version"],
                    opened_at=moment - 10 * day,
                    deadline=moment - 3 * day,
                    quorum=1,
                    closed_at=moment - 3 * day,
                )
                for _ in range(by // 3)
            )
        ).returning(ConsentRound.id)
        await RoundPosition.insert(
            *(
                RoundPosition(
                    round=row["id"], lieu=lieux[k], kind="consent", taken_at=moment - 5 * day
                )
                for row in added
                for k in range(3)
            )
        )

    # Small pledges to the new challenges in every envelope still in funding.
    open_envelopes = [
        row["id"]
        for row in await Envelope.select(Envelope.id)
        .where(Envelope.network == network_id)
        .where(Envelope.settled_at.is_null())
        .where(Envelope.funding_from <= moment)
        .where(Envelope.funding_until > moment)
    ]
    for envelope_id in open_envelopes:
        givers = [
            row["lieu"]
            for row in await EnvelopeLieu.select(EnvelopeLieu.lieu).where(
                EnvelopeLieu.envelope == envelope_id
            )
        ]
        await Pledge.insert(
            *(
                Pledge(
                    envelope=envelope_id,
                    challenge=challenge,
                    lieu=giver,
                    source="drawing_rights",
                    amount_cents=100,
                    updated_at=moment,
                )
                for challenge in challenges
                for giver in givers[:by]
            )
        )

    orgs = await CofundingOrg.insert(
        *(
            CofundingOrg(network=network_id, name=f"Fondation en plus {i}", created_at=moment)
            for i in range(by)
        )
    ).returning(CofundingOrg.id)
    await CofunderPerson.insert(
        *(CofunderPerson(user=users[i], org=row["id"]) for i, row in enumerate(orgs))
    )
    await Invitation.insert(
        *(
            Invitation(
                kind="lieu_admin",
                token_hash=hashlib.sha256(f"{tag}-{i}".encode()).hexdigest(),
                email=f"invitee-{tag}-{i}@exemple.fr",
                network=network_id,
                created_at=moment,
                expires_at=moment + 7 * day,
            )
            for i in range(by)
        )
    )
    await AuditEntry.insert(
        *(
            AuditEntry(
                at=moment - dt.timedelta(minutes=i),
                actor=users[i % len(users)],
                action="challenge.publish",
                entity="challenge",
                entity_id=challenges[i % by],
                network=network_id,
                after={"status": "published"},
            )
            for i in range(10 * by)
        )
    )
    # `by` notifications of every kind for every person: their notifications page lists more.
    everyone = [row["id"] for row in await User.select(User.id)]
    await Notification.insert(
        *(
            Notification(
                user=user,
                kind=kind,
                params={
                    "title": f"Défi {i}",
                    "lieu": "Lieu en plus",
                    "text": "Pourquoi ?",
                    "question": "Pourquoi ?",
                    "answer": "Parce que.",
                    "version": 2,
                    "network": "Réseau",
                    "deadline": moment.isoformat(),
                    "until": moment.isoformat(),
                    "outcome": "no_quorum",
                    "count": 1,
                    "quorum": 3,
                    "accepted": True,
                },
                path=f"/defis/{challenges[i % by]}#tour",
                created_at=moment,
            )
            for user in everyone
            for kind in NOTIFICATION_KINDS
            for i in range(by // 4)
        )
    )

    # Needs (issue 17): each new lieu publishes one, in every theme in turn, and says « nous
    # aussi » to every need the network had.
    themes = ["numerique", "fabrication", "alimentation", "mobilite", "energie", "autre"]
    earlier = [row["id"] for row in await Need.select(Need.id).where(Need.network == network_id)]
    await Need.insert(
        *(
            Need(
                network=network_id,
                lieu=lieu,
                title=f"Besoin en plus {i:03d}",
                lacks="Ce qui manque.",
                theme=themes[i % len(themes)],
                horizon_years=1 + i % 3,
                created_at=moment,
                updated_at=moment,
            )
            for i, lieu in enumerate(lieux)
        )
    )
    if earlier:
        await NeedJoin.insert(
            *(
                NeedJoin(need=need, lieu=lieu, declared_at=moment)
                for need in earlier
                for lieu in lieux
            )
        )
