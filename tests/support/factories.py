"""Make the people, networks and lieux a test needs, straight in the database."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher

from cobudget.db.tables import (
    BudgetLine,
    Challenge,
    ChallengeVersion,
    CofunderPerson,
    CofundingOrg,
    ConsentRound,
    Coordinator,
    CoProposer,
    DiscussionComment,
    Envelope,
    EnvelopeLieu,
    Lieu,
    Membership,
    Need,
    NeedJoin,
    Network,
    NetworkLieu,
    OutboxMessage,
    RoundComment,
    RoundQuestion,
    User,
)
from cobudget.services.clock import now

PASSWORD = "motdepasse-de-test"


@cache
def password_hash() -> str:
    """An argon2id hash with light parameters: verifying it is quick, so tests stay fast.
    (The app verifies with the parameters stored in the hash; it hashes new passwords with
    the library's recommended ones.)"""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


async def make_user(
    email: str, name: str = "", *, site_admin: bool = False, locale: str | None = None
) -> int:
    """A person; only the columns the first schema had are written unless a locale is asked
    for, so the migration tests can make people in a database migrated halfway."""
    values = {
        "email": email,
        "name": name or email.split("@")[0].title(),
        "password_hash": password_hash(),
        "is_site_admin": site_admin,
        "created_at": now(),
    }
    if locale is not None:
        values["locale"] = locale
    columns = ", ".join(values)
    marks = ", ".join("{}" for _value in values)
    rows = await User.raw(
        f"INSERT INTO app_user ({columns}) VALUES ({marks}) RETURNING id", *values.values()
    )
    return int(rows[0]["id"])


async def make_network(name: str = "Réseau Test", *, public: bool = True, quorum: int = 1) -> int:
    from cobudget.domain.validation import slugify

    rows = await Network.insert(
        Network(
            name=name,
            slug=slugify(name),
            region="Occitanie",
            description="Un réseau.",
            is_public=public,
            created_at=now(),
            quorum=quorum,
        )
    ).returning(Network.id)
    return int(rows[0]["id"])


async def make_lieu(
    network_id: int, name: str, *, legal_form: str = "association", weight: int = 1
) -> int:
    from cobudget.domain.validation import slugify

    rows = await Lieu.insert(
        Lieu(
            name=name,
            slug=slugify(name),
            town="Albi",
            legal_form=legal_form,
            territory="Tarn",
            description="Un lieu.",
            created_at=now(),
        )
    ).returning(Lieu.id)
    lieu_id = int(rows[0]["id"])
    await NetworkLieu.insert(
        NetworkLieu(network=network_id, lieu=lieu_id, weight=weight, joined_at=now())
    )
    return lieu_id


async def add_member(user_id: int, lieu_id: int, *, admin: bool = False) -> None:
    await Membership.insert(Membership(user=user_id, lieu=lieu_id, is_admin=admin))


async def add_coordinator(user_id: int, network_id: int) -> None:
    await Coordinator.insert(Coordinator(user=user_id, network=network_id))


async def make_cofunder(network_id: int, name: str, user_id: int) -> int:
    rows = await CofundingOrg.insert(
        CofundingOrg(network=network_id, name=name, kind="collectivite", created_at=now())
    ).returning(CofundingOrg.id)
    org_id = int(rows[0]["id"])
    await CofunderPerson.insert(CofunderPerson(user=user_id, org=org_id))
    return org_id


async def make_challenge(
    network_id: int,
    lieu_id: int,
    title: str = "Un outil de réservation partagé",
    *,
    versions: int = 1,
    co_proposer: int | None = None,
) -> int:
    """A published challenge with `versions` versions; version n has a budget line of n × 1 000 €."""
    rows = await Challenge.insert(
        Challenge(network=network_id, lieu=lieu_id, created_at=now(), current_version=versions)
    ).returning(Challenge.id)
    challenge_id = int(rows[0]["id"])
    for number in range(1, versions + 1):
        version = await ChallengeVersion.insert(
            ChallengeVersion(
                challenge=challenge_id,
                number=number,
                title=title,
                problem="Chaque lieu réserve ses salles à sa façon.",
                commons="Un logiciel libre de réservation.",
                users="Les lieux",
                created_at=now(),
                published_at=now(),
            )
        ).returning(ChallengeVersion.id)
        await BudgetLine.insert(
            BudgetLine(
                version=version[0]["id"],
                label="Développement",
                min_cents=number * 100_000,
                max_cents=number * 200_000,
            )
        )
    if co_proposer is not None:
        await CoProposer.insert(
            CoProposer(challenge=challenge_id, lieu=co_proposer, invited_at=now())
        )
    return challenge_id


async def make_need(
    network_id: int,
    lieu_id: int,
    title: str = "Un outil de réservation de salles",
    *,
    theme: str = "numerique",
    horizon_years: int = 2,
    joined_by: tuple[int, ...] = (),
) -> int:
    """A published need of a lieu (issue 17), with the lieux that said « nous aussi »."""
    rows = await Need.insert(
        Need(
            network=network_id,
            lieu=lieu_id,
            title=title,
            lacks="Nous réservons nos salles sur un tableur partagé.",
            commons="Un logiciel libre de réservation.",
            min_cents=500_000,
            max_cents=1_500_000,
            theme=theme,
            horizon_years=horizon_years,
            created_at=now(),
            updated_at=now(),
        )
    ).returning(Need.id)
    need_id = int(rows[0]["id"])
    for lieu in joined_by:
        await NeedJoin.insert(NeedJoin(need=need_id, lieu=lieu, declared_at=now()))
    return need_id


async def make_consented_challenge(
    network_id: int, proposer: int, voter: int, title: str = "Un commun consenti"
) -> int:
    """A published challenge whose round closed with `voter`'s consent (quorum 1)."""
    import datetime as dt

    from cobudget.db.tables import RoundPosition

    challenge_id = await make_challenge(network_id, proposer, title)
    # Consented long before any envelope of the factories closes (closing freezes positions).
    round_id = await make_round(challenge_id, 1, days=5, opened_days_ago=60)
    await RoundPosition.insert(
        RoundPosition(
            round=round_id, lieu=voter, kind="consent", taken_at=now() - dt.timedelta(days=59)
        )
    )
    return challenge_id


async def make_round(
    challenge_id: int, version: int, *, days: float = 7, quorum: int = 1, opened_days_ago: float = 0
) -> int:
    import datetime as dt

    opened = now() - dt.timedelta(days=opened_days_ago)
    rows = await ConsentRound.insert(
        ConsentRound(
            challenge=challenge_id,
            version=version,
            opened_at=opened,
            deadline=opened + dt.timedelta(days=days),
            quorum=quorum,
        )
    ).returning(ConsentRound.id)
    return int(rows[0]["id"])


async def make_question(round_id: int, lieu_id: int, text: str = "Qui hébergera l’outil ?") -> int:
    rows = await RoundQuestion.insert(
        RoundQuestion(round=round_id, lieu=lieu_id, text=text, asked_at=now())
    ).returning(RoundQuestion.id)
    return int(rows[0]["id"])


async def make_comment(round_id: int, lieu_id: int | None, text: str = "Belle idée.") -> int:
    rows = await RoundComment.insert(
        RoundComment(round=round_id, lieu=lieu_id, text=text, created_at=now())
    ).returning(RoundComment.id)
    return int(rows[0]["id"])


async def make_discussion_comment(
    challenge_id: int,
    lieu_id: int | None,
    text: str = "Nous avons le même besoin.",
    *,
    thread: int | None = None,
) -> int:
    """A comment in the challenge's discussion, for the lieu (or in no one's name)."""
    rows = await DiscussionComment.insert(
        DiscussionComment(
            challenge=challenge_id, lieu=lieu_id, text=text, thread=thread, created_at=now()
        )
    ).returning(DiscussionComment.id)
    return int(rows[0]["id"])


async def make_envelope(
    network_id: int,
    lieu_ids: list[int],
    *,
    amount_cents: int = 6_000_000,
    phase: str = "funding",
    rule: str = "cofunding",
    support: str = "approval",
    hide_pledges: bool = False,
) -> int:
    """An envelope whose calendar puts it in `phase` now (or a draft)."""
    import datetime as dt

    day = dt.timedelta(days=1)
    t = now()
    offsets = {"draft": 1, "proposals": 1, "diagnosis": 10, "funding": 20, "closed": 40}[phase]
    start = t - offsets * day + day
    rows = await Envelope.insert(
        Envelope(
            network=network_id,
            title="Enveloppe 2027",
            amount_cents=amount_cents,
            rule=rule,
            support=support,
            hide_pledges=hide_pledges,
            proposals_from=start - day,
            diagnosis_from=start + 9 * day,
            funding_from=start + 19 * day,
            funding_until=start + 29 * day,
            opened_at=None if phase == "draft" else start - day,
            created_at=t,
        )
    ).returning(Envelope.id)
    envelope_id = int(rows[0]["id"])
    await EnvelopeLieu.insert(*(EnvelopeLieu(envelope=envelope_id, lieu=lieu) for lieu in lieu_ids))
    return envelope_id


async def make_pledge(envelope_id: int, challenge_id: int, lieu_id: int, cents: int) -> None:
    """A lieu's pledge from its drawing rights, written as is (no rule checked, no receipt)."""
    from cobudget.db.tables import Pledge

    await Pledge.insert(
        Pledge(
            envelope=envelope_id,
            challenge=challenge_id,
            lieu=lieu_id,
            source="drawing_rights",
            amount_cents=cents,
            updated_at=now(),
        )
    )


async def make_settled_envelope(
    network_id: int,
    lieu_ids: list[int],
    *,
    rule: str = "cofunding",
    pledges: tuple[tuple[int, int, int], ...] = (),
) -> int:
    """A closed envelope settled through the settlement service by a coordinator; `pledges`
    are (challenge, lieu, cents) from drawing rights, made before it closed. One co-funding
    lieu is enough here (`min_cofunders` 1). Each pledge is chained as its receipt, as the
    pledge service does (issue 20)."""
    from cobudget.db.tables import Envelope
    from cobudget.domain.permissions import Actor
    from cobudget.services import receipts, settlements
    from cobudget.settings import Settings

    envelope_id = await make_envelope(network_id, lieu_ids, phase="closed", rule=rule)
    await Envelope.update({Envelope.min_cofunders: 1}).where(Envelope.id == envelope_id)
    for challenge, lieu, cents in pledges:
        await make_pledge(envelope_id, challenge, lieu, cents)
        await receipts.append_one(
            envelope_id,
            receipts.Write("pledge", lieu, None, challenge, "drawing_rights", cents),
            now(),
        )
    before = await OutboxMessage.count()
    await settlements.settle(
        Settings(database_url="", secret_key="factory"),
        Actor(user_id=None, coordinator_of=frozenset({network_id})),
        envelope_id=envelope_id,
    )
    if not before:  # the world starts with an empty outbox: tests count what they send
        await OutboxMessage.delete(force=True)
    return envelope_id


async def make_report(
    envelope_id: int,
    challenge_id: int,
    *,
    status: str = "published",
    period: int = 1,
    spending: tuple[tuple[int, int], ...] = (),
    deliverables: tuple[tuple[str, str], ...] = (),
    comment: str = "",
    own_funds: tuple[tuple[int, int], ...] = (),
) -> int:
    """A follow-up report of `period` with (budget line, cents) spending paid from what the
    challenge received, and from the lieu's own funds, and (title, url) deliverables; written
    as is, without the service's checks (tests of what reads reports)."""
    from cobudget.db.tables import Deliverable, Report, ReportSpending

    rows = await Report.insert(
        Report(
            envelope=envelope_id,
            challenge=challenge_id,
            period=period,
            status=status,
            progress="Le travail avance.",
            created_at=now(),
            published_at=None if status == "draft" else now(),
            review_comment=comment,
        )
    ).returning(Report.id)
    report_id = int(rows[0]["id"])
    for paid_from, amounts in (("envelope", spending), ("own_funds", own_funds)):
        for line, cents in amounts:
            await ReportSpending.insert(
                ReportSpending(
                    report=report_id, budget_line=line, amount_cents=cents, paid_from=paid_from
                )
            )
    for index, (title, url) in enumerate(deliverables):
        await Deliverable.insert(
            Deliverable(report=report_id, title=title, url=url, position=index)
        )
    return report_id


async def budget_line_of(challenge_id: int) -> int:
    """The first budget line of the challenge's current version."""
    challenge = (
        await Challenge.select(Challenge.current_version)
        .where(Challenge.id == challenge_id)
        .first()
    )
    assert challenge is not None
    version = (
        await ChallengeVersion.select(ChallengeVersion.id)
        .where(ChallengeVersion.challenge == challenge_id)
        .where(ChallengeVersion.number == challenge["current_version"])
        .first()
    )
    assert version is not None
    line = await BudgetLine.select(BudgetLine.id).where(BudgetLine.version == version["id"]).first()
    assert line is not None
    return int(line["id"])


@dataclass(frozen=True)
class Funding:
    """An envelope open for pledges, the lieux it counts (an admin each, by `emails`), its
    network's coordinator and four consented challenges."""

    envelope_id: int
    lieux: list[int]
    emails: list[str]
    coordinator: str
    challenges: list[int]


async def make_funding(name: str, *, lieux: int = 12, rights_cents: int = 50_000) -> Funding:
    """A network named `name` with `lieux` lieux of `rights_cents` drawing rights each, and
    its envelope in funding: what the races and `make proof` pledge to."""
    network_id = await make_network(name)
    ids, emails = [], []
    for index in range(lieux):
        lieu = await make_lieu(network_id, f"{name} lieu {index:02d}")
        email = f"{network_id}-lieu{index:02d}@exemple.fr"
        await add_member(await make_user(email), lieu, admin=True)
        ids.append(lieu)
        emails.append(email)
    coordinator = f"{network_id}-coordination@exemple.fr"
    await add_coordinator(await make_user(coordinator), network_id)
    challenges = [
        await make_consented_challenge(network_id, ids[i], ids[i + 1], f"Défi {i}")
        for i in range(4)
    ]
    envelope_id = await make_envelope(network_id, ids, amount_cents=lieux * rights_cents)
    return Funding(envelope_id, ids, emails, coordinator, challenges)
