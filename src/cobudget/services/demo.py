"""Demo data: one realistic regional network, so a new user has something to look at.

Loaded by `make run` into an empty database: a dozen lieux, two co-funders, people in every
role, diagnosis criteria and commons challenges in every state (draft, published, under
diagnosis, to amend, consented). Every demo account has the password
`DEMO_PASSWORD`; the logins are listed in the README.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import (
    BudgetLine,
    ChallengeVersion,
    CofunderPerson,
    CofundingOrg,
    Coordinator,
    Criterion,
    Deliverable,
    Envelope,
    EnvelopeLieu,
    Lieu,
    Membership,
    Network,
    NetworkLieu,
    Notification,
    OutboxMessage,
    Pledge,
    Report,
    ReportSpending,
    User,
)
from cobudget.db.transactions import inserted_id, write_transaction
from cobudget.domain.permissions import Actor
from cobudget.domain.validation import slugify
from cobudget.services import demo_story, notifications, settlements
from cobudget.services.clock import now, told_at
from cobudget.services.demo_challenges import STORIES
from cobudget.services.demo_needs import load_needs
from cobudget.services.envelopes import LieuWeight
from cobudget.services.passwords import hash_password
from cobudget.settings import Settings

DEMO_PASSWORD = "communs-demo-2026"

NETWORK = {
    "name": "Réseau des tiers-lieux du Massif (démo)",
    "region": "Auvergne-Rhône-Alpes",
    "description": (
        "Vingt-cinq ans de fablabs, cafés associatifs et ateliers partagés entre Puy-de-Dôme, "
        "Cantal et Haute-Loire. Le réseau partage une enveloppe pour financer les communs "
        "dont ses lieux ont besoin ensemble."
    ),
}

# name, town, legal form, territory, description, weight
LIEUX = [
    (
        "La Fabrique du Bourg",
        "Thiers",
        "association",
        "Livradois-Forez",
        "Fablab et atelier bois dans une ancienne coutellerie.",
        1,
    ),
    (
        "Café Le Comptoir",
        "Ambert",
        "scic",
        "Livradois-Forez",
        "Café associatif, épicerie et salle de spectacle.",
        1,
    ),
    (
        "L’Atelier des Possibles",
        "Aurillac",
        "association",
        "Bassin d’Aurillac",
        "Atelier vélo et ressourcerie.",
        1,
    ),
    (
        "Cowork des Volcans",
        "Clermont-Ferrand",
        "sas",
        "Clermont Auvergne Métropole",
        "Espace de coworking et salles de réunion.",
        1,
    ),
    (
        "La Grange Numérique",
        "Saint-Flour",
        "association",
        "Saint-Flour Communauté",
        "Médiation numérique et France services.",
        1,
    ),
    (
        "Les Ateliers du Lac",
        "Chambon-sur-Lac",
        "scop",
        "Massif du Sancy",
        "Menuiserie partagée et formation.",
        1,
    ),
    (
        "Tiers-lieu de Brioude",
        "Brioude",
        "public",
        "Brioude Sud Auvergne",
        "Porté par la communauté de communes : médiathèque et fablab.",
        1,
    ),
    (
        "La Ruche Paysanne",
        "Riom",
        "scic",
        "Riom Limagne et Volcans",
        "Cuisine partagée et légumerie pour les producteurs.",
        2,
    ),
    (
        "Le Moulin",
        "Issoire",
        "association",
        "Agglo Pays d’Issoire",
        "Résidences d’artistes et repair café.",
        1,
    ),
    (
        "Espace Bazar",
        "Le Puy-en-Velay",
        "association",
        "Agglomération du Puy",
        "Tiers-lieu culturel et jardin partagé.",
        1,
    ),
    (
        "La Forge",
        "Murat",
        "other",
        "Hautes Terres",
        "Collectif d’artisans en cours de structuration.",
        1,
    ),
    (
        "Fablab Montluçon Sud",
        "Montluçon",
        "association",
        "Montluçon Communauté",
        "Fablab associatif, impression 3D et électronique.",
        1,
    ),
]

COFUNDERS = [
    (
        "Département du Puy-de-Dôme",
        "collectivite",
        "Soutient les communs numériques des tiers-lieux du département.",
    ),
    (
        "Fondation Terres de Liens Massif",
        "fondation",
        "Fondation régionale pour les projets coopératifs en milieu rural.",
    ),
]

# email, name, role, index of the lieu or org
PEOPLE = [
    ("admin@demo.cobudget.fr", "Camille Admin", "site_admin", None),
    ("coordination@demo.cobudget.fr", "Inès Coordination", "coordinator", None),
    ("fabrique@demo.cobudget.fr", "Jules Marchand", "lieu_admin", 0),
    ("membre.fabrique@demo.cobudget.fr", "Awa Diallo", "member", 0),
    ("comptoir@demo.cobudget.fr", "Louise Bernard", "lieu_admin", 1),
    ("possibles@demo.cobudget.fr", "Mehdi Rahmani", "lieu_admin", 2),
    ("grange@demo.cobudget.fr", "Sophie Vidal", "lieu_admin", 4),
    ("volcans@demo.cobudget.fr", "Thomas Roux", "lieu_admin", 3),
    ("lac@demo.cobudget.fr", "Claire Fabre", "lieu_admin", 5),
    ("ruche@demo.cobudget.fr", "Yannick Morel", "lieu_admin", 7),
    ("moulin@demo.cobudget.fr", "Élise Garnier", "lieu_admin", 8),
    ("bazar@demo.cobudget.fr", "Karim Benali", "lieu_admin", 9),
    ("departement@demo.cobudget.fr", "Paul Chassaing", "cofunder", 0),
    ("fondation@demo.cobudget.fr", "Nora Lefèvre", "cofunder", 1),
]


CRITERIA = [
    "Communauté d’utilisateurs",
    "Ancrage territorial",
    "Partage des ressources",
    "Gouvernance",
    "Perspective économique",
]

# Demo envelopes: (title, amount €, days of the calendar relative to now, pledges), a pledge
# being (challenge title, lieu index or None, org index or None, source, euros).
SETTLED_ENVELOPE = (
    "Enveloppe 2026 — communs numériques",
    26_000,
    (-200, -170, -140, -110),
    [
        ("Une cartographie ouverte des tiers-lieux", 0, None, "drawing_rights", 1500),
        ("Une cartographie ouverte des tiers-lieux", 1, None, "drawing_rights", 1200),
        ("Une cartographie ouverte des tiers-lieux", 2, None, "drawing_rights", 1000),
        ("Une cartographie ouverte des tiers-lieux", None, 0, "own_funds", 800),
        ("Un fonds documentaire juridique commun", 8, None, "drawing_rights", 900),
    ],
)
FUNDING_ENVELOPE = (
    "Enveloppe 2027 — communs des tiers-lieux",
    39_000,
    (-40, -30, -5, 25),
    [
        ("Des ateliers de réparation itinérants", 1, None, "drawing_rights", 1500),
        ("Des ateliers de réparation itinérants", 4, None, "drawing_rights", 1500),
        ("Des ateliers de réparation itinérants", 7, None, "drawing_rights", 2000),
        ("Des ateliers de réparation itinérants", None, 1, "own_funds", 1000),
        ("Un outil de réservation partagé", 1, None, "drawing_rights", 1000),
        ("Un outil de réservation partagé", 2, None, "drawing_rights", 2000),
        ("Un outil de réservation partagé", 4, None, "drawing_rights", 1000),
        ("Un outil de réservation partagé", None, 0, "own_funds", 3000),
        ("Un fonds documentaire juridique commun", 8, None, "drawing_rights", 900),
    ],
)


async def _load_envelope(
    spec: tuple[
        str, int, tuple[int, int, int, int], list[tuple[str, int | None, int | None, str, int]]
    ],
    network_id: int,
    lieu_ids: list[int],
    org_ids: list[int],
    moment: dt.datetime,
) -> int:
    title, euros, days, pledges = spec
    at = [moment + dt.timedelta(days=d) for d in days]
    envelope_id = await inserted_id(
        Envelope.insert(
            Envelope(
                network=network_id,
                title=title,
                amount_cents=euros * 100,
                proposals_from=at[0],
                diagnosis_from=at[1],
                funding_from=at[2],
                funding_until=at[3],
                opened_at=at[0],
                created_at=at[0],
            )
        ).returning(Envelope.id)
    )
    weights = await fetch(
        NetworkLieu.select(NetworkLieu.lieu, NetworkLieu.weight).where(
            NetworkLieu.network == network_id
        ),
        LieuWeight,
    )
    await EnvelopeLieu.insert(
        *(EnvelopeLieu(envelope=envelope_id, lieu=r.lieu, weight=r.weight) for r in weights)
    )
    challenges = {
        r.title: r.challenge
        for r in await fetch(
            ChallengeVersion.select(ChallengeVersion.title, ChallengeVersion.challenge), _Version
        )
    }
    for challenge, lieu, org, source, amount in pledges:
        await Pledge.insert(
            Pledge(
                envelope=envelope_id,
                challenge=challenges[challenge],
                lieu=None if lieu is None else lieu_ids[lieu],
                org=None if org is None else org_ids[org],
                source=source,
                amount_cents=amount * 100,
                updated_at=at[2] + dt.timedelta(days=1),
            )
        )
    return envelope_id


async def load_demo(settings: Settings | None = None) -> bool:
    """Load the demo network into an empty database; return False if there is data already.

    The network, its lieux, people, criteria and needs are written as rows (they stand before
    the story begins); the challenges are then told through the services at their dates
    (`demo_story`), the 2026 envelope is settled through the real service the day after it
    closed, and every email all this wrote is recorded as sent, never delivered: starting the
    demo sends nothing (`quiet_outbox`)."""
    if await User.count() > 0:
        return False
    settings = settings or Settings(database_url="", secret_key="demo")
    password_hash = await hash_password(DEMO_PASSWORD)
    moment = now()
    founded = moment - dt.timedelta(days=400)
    async with write_transaction():
        network_id = await inserted_id(
            Network.insert(
                Network(
                    {getattr(Network, key): value for key, value in NETWORK.items()},
                    slug=slugify(NETWORK["name"]),
                    created_at=founded,
                    is_public=True,
                )
            ).returning(Network.id)
        )
        lieu_ids: list[int] = []
        for name, town, form, territory, description, weight in LIEUX:
            lieu_id = await inserted_id(
                Lieu.insert(
                    Lieu(
                        slug=slugify(name),
                        name=name,
                        town=town,
                        legal_form=form,
                        territory=territory,
                        description=description,
                        created_at=founded,
                    )
                ).returning(Lieu.id)
            )
            lieu_ids.append(lieu_id)
            await NetworkLieu.insert(
                NetworkLieu(network=network_id, lieu=lieu_id, weight=weight, joined_at=founded)
            )
        org_ids: list[int] = []
        for name, kind, description in COFUNDERS:
            org_id = await inserted_id(
                CofundingOrg.insert(
                    CofundingOrg(
                        network=network_id,
                        name=name,
                        kind=kind,
                        description=description,
                        created_at=founded,
                    )
                ).returning(CofundingOrg.id)
            )
            org_ids.append(org_id)
        coordinator, speakers = await _load_people(
            network_id, lieu_ids, org_ids, password_hash, founded
        )
        criteria = [
            await inserted_id(
                Criterion.insert(
                    Criterion(network=network_id, name=name, position=position)
                ).returning(Criterion.id)
            )
            for position, name in enumerate(CRITERIA)
        ]
        await load_needs(network_id, lieu_ids, moment)
    cast = demo_story.Cast(settings, network_id, lieu_ids, speakers, coordinator, criteria, moment)
    await demo_story.tell(cast, STORIES)
    async with write_transaction():
        settled = await _load_envelope(SETTLED_ENVELOPE, network_id, lieu_ids, org_ids, moment)
        await _load_envelope(FUNDING_ENVELOPE, network_id, lieu_ids, org_ids, moment)
    # Settled through the real service, as a coordinator would the day after the close:
    # stored inputs, digest, the settlement's emails (recorded as sent below).
    with told_at(moment + dt.timedelta(days=SETTLED_ENVELOPE[2][3] + 1)):
        await settlements.settle(settings, coordinator, envelope_id=settled)
    await _load_report(settled, moment)
    await quiet_outbox(settings)
    return True


async def _load_people(
    network_id: int,
    lieu_ids: list[int],
    org_ids: list[int],
    password_hash: str,
    founded: dt.datetime,
) -> tuple[Actor, dict[int, Actor]]:
    """The demo's accounts; returns the coordinator and, per lieu index, the lieu admin who
    speaks for it in the story."""
    coordinator = Actor()
    speakers: dict[int, Actor] = {}
    for email, name, role, index in PEOPLE:
        user_id = await inserted_id(
            User.insert(
                User(
                    email=email,
                    name=name,
                    password_hash=password_hash,
                    is_site_admin=role == "site_admin",
                    created_at=founded,
                )
            ).returning(User.id)
        )
        if role == "coordinator":
            coordinator = Actor(user_id=user_id, coordinator_of=frozenset({network_id}))
            await Coordinator.insert(Coordinator(network=network_id, user=user_id))
        elif role in ("lieu_admin", "member") and index is not None:
            await Membership.insert(
                Membership(user=user_id, lieu=lieu_ids[index], is_admin=role == "lieu_admin")
            )
            if role == "lieu_admin":
                lieu = frozenset({lieu_ids[index]})
                speakers[index] = Actor(user_id=user_id, member_of=lieu, lieu_admin_of=lieu)
        elif role == "cofunder" and index is not None:
            await CofunderPerson.insert(CofunderPerson(user=user_id, org=org_ids[index]))
    return coordinator, speakers


async def quiet_outbox(settings: Settings) -> None:
    """Record every email the demo wrote as sent, and every notification waiting for a digest
    as digested, so that no start of the demo delivers any of them. The calendar's events are
    noticed first (`notifications.sweep`, as the outbox worker would on its first turn), so a
    start does not tell them either. Only ever called on the database the demo just filled."""
    await notifications.sweep(settings)
    moment = now()
    async with write_transaction():
        await OutboxMessage.update(
            {OutboxMessage.status: "sent", OutboxMessage.sent_at: moment}
        ).where(OutboxMessage.status == "pending")
        await (
            Notification.update({Notification.digested_at: moment})
            .where(Notification.digested_at.is_null())
            .where(Notification.delivery == "daily")
        )


class _Version(msgspec.Struct, frozen=True):
    title: str
    challenge: int
    id: int = 0


class _Line(msgspec.Struct, frozen=True):
    id: int
    label: str


async def _load_report(envelope_id: int, moment: dt.datetime) -> None:
    """A validated follow-up report on the challenge the settled envelope funded."""
    version = await fetch_one(
        ChallengeVersion.select(
            ChallengeVersion.id, ChallengeVersion.title, ChallengeVersion.challenge
        )
        .where(ChallengeVersion.title == "Une cartographie ouverte des tiers-lieux")
        .first(),
        _Version,
    )
    assert version is not None
    lines = await fetch(
        BudgetLine.select(BudgetLine.id, BudgetLine.label).where(BudgetLine.version == version.id),
        _Line,
    )
    async with write_transaction():
        report_id = await inserted_id(
            Report.insert(
                Report(
                    envelope=envelope_id,
                    challenge=version.challenge,
                    status="validated",
                    delivery="delivered",
                    progress="La carte est en ligne ; douze lieux ont relu leur fiche.",
                    created_at=moment,
                    published_at=moment,
                    reviewed_at=moment,
                )
            ).returning(Report.id)
        )
        spent = {
            "Collecte des données": (240_000, "Facture 2026-031"),
            "Carte en ligne": (110_000, ""),
        }
        await ReportSpending.insert(
            *(
                ReportSpending(
                    report=report_id,
                    budget_line=line.id,
                    amount_cents=spent[line.label][0],
                    receipt=spent[line.label][1],
                )
                for line in lines
            )
        )
        await Deliverable.insert(
            Deliverable(
                report=report_id,
                title="Carte des tiers-lieux du Massif",
                url="https://carte.demo.cobudget.fr",
                licence="etalab-2.0",
            ),
            Deliverable(
                report=report_id,
                title="Jeu de données des lieux (CSV)",
                url="https://carte.demo.cobudget.fr/donnees.csv",
                licence="etalab-2.0",
                position=1,
            ),
        )
