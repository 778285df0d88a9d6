"""Demo data: one realistic regional network, so a new user has something to look at.

Loaded by `make run` into an empty database: a dozen lieux, two co-funders, people in every
role, diagnosis criteria, needs, and commons challenges in every state (draft, published, under
diagnosis, to amend, amended after an objection, consented), an envelope in funding and a
settled one with a validated report. What happens after the lieux exist is told through the
services, at its dates (`demo_story`, `demo_envelopes`), so the rules held. Every demo account
has the password `DEMO_PASSWORD`; the logins are listed in the README.
"""

from __future__ import annotations

import datetime as dt

from cobudget.db.tables import (
    CofunderPerson,
    CofundingOrg,
    Coordinator,
    Criterion,
    Lieu,
    Membership,
    Network,
    NetworkLieu,
    Notification,
    OutboxMessage,
    User,
)
from cobudget.db.transactions import inserted_id, write_transaction
from cobudget.domain.permissions import Actor
from cobudget.domain.validation import slugify
from cobudget.services import demo_envelopes, demo_needs, demo_story, notifications
from cobudget.services.clock import now
from cobudget.services.demo_challenges import STORIES
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


async def load_demo(settings: Settings | None = None) -> bool:
    """Load the demo network into an empty database; return False if there is data already.

    The network, its lieux, people and criteria are written as rows (they stand before the
    story begins); the rest is told through the services at its dates: the needs
    (`demo_needs`), the challenges (`demo_story`), the envelopes, pledges, settlement and report
    (`demo_envelopes`). Every email all this wrote is then recorded as sent, never delivered:
    starting the demo sends nothing (`quiet_outbox`)."""
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
        coordinator, speakers, cofunders = await _load_people(
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
    cast = demo_story.Cast(settings, network_id, lieu_ids, speakers, coordinator, criteria, moment)
    need_ids = await demo_needs.tell(cast)
    challenge_ids = await demo_story.tell(cast, STORIES, need_ids)
    settled = 0
    for envelope in (demo_envelopes.SETTLED, demo_envelopes.IN_FUNDING):
        envelope_id = await demo_envelopes.tell(
            cast, envelope, challenge_ids=challenge_ids, org_ids=org_ids, cofunders=cofunders
        )
        settled = envelope_id if envelope.settled else settled
    await demo_envelopes.report(
        cast,
        envelope_id=settled,
        challenge_id=challenge_ids[demo_envelopes.REPORTED],
        proposer=next(s.proposer for s in STORIES if s.title == demo_envelopes.REPORTED),
    )
    await quiet_outbox(settings)
    return True


async def _load_people(
    network_id: int,
    lieu_ids: list[int],
    org_ids: list[int],
    password_hash: str,
    founded: dt.datetime,
) -> tuple[Actor, dict[int, Actor], dict[int, Actor]]:
    """The demo's accounts; returns the coordinator, the lieu admin who speaks for each lieu
    in the story and the person who speaks for each co-funder (by index)."""
    coordinator = Actor()
    speakers: dict[int, Actor] = {}
    cofunders: dict[int, Actor] = {}
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
            cofunders[index] = Actor(user_id=user_id, cofunder_of=frozenset({org_ids[index]}))
    return coordinator, speakers, cofunders


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
