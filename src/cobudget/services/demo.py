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
    Challenge,
    ChallengeVersion,
    CofunderPerson,
    CofundingOrg,
    ConcernedLieu,
    ConsentRound,
    Coordinator,
    Criterion,
    Deliverable,
    DiscussionComment,
    Envelope,
    EnvelopeLieu,
    Lieu,
    Membership,
    Network,
    NetworkLieu,
    Pledge,
    Report,
    ReportSpending,
    RoundPosition,
    RoundQuestion,
    User,
)
from cobudget.db.transactions import inserted_id, write_transaction
from cobudget.domain.permissions import Actor
from cobudget.domain.validation import slugify
from cobudget.services import settlements
from cobudget.services.clock import now
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

# title, proposing lieu, problem, commons, budget lines (label, min €, max €), state, concerned
CHALLENGES = [
    (
        "Un outil de réservation partagé",
        0,
        "Chaque lieu gère ses salles et ses machines dans un tableur ou un agenda : les doubles "
        "réservations sont fréquentes et les habitants ne savent pas ce qui est libre ailleurs.",
        "Un logiciel libre de réservation, hébergé en commun, que chaque lieu peut installer.",
        [
            ("Développement", 8000, 12000),
            ("Hébergement mutualisé (2 ans)", 1200, 1800),
            ("Formation des lieux", 1500, 2500),
        ],
        "consented",
        [1, 2, 4, 8],
    ),
    (
        "Une documentation partagée des services",
        1,
        "Chaque lieu réécrit seul la présentation de ses services, ses tarifs et ses règles.",
        "Un modèle de documentation sous licence ouverte, tenu à jour ensemble.",
        [("Rédaction et ateliers d’écriture", 3000, 5000), ("Mise en page accessible", 800, 1500)],
        "open",
        [0, 5],
    ),
    (
        "Un pass inter-lieux",
        2,
        "Une personne adhérente d’un lieu paie de nouveau pour utiliser l’atelier d’à côté.",
        "Un pass commun, ses règles de réciprocité et l’outil pour le vérifier.",
        [("Étude juridique", 2000, 3000), ("Outil de vérification", 4000, 7000)],
        "to_amend",
        [0, 9],
    ),
    (
        "Un inventaire partagé du matériel",
        4,
        "Les lieux achètent chacun des machines qu’ils utilisent peu.",
        "Un inventaire ouvert du matériel prêtable entre lieux, avec une charte de prêt.",
        [("Recensement", 1500, 2500), ("Charte de prêt", 500, 900)],
        "published",
        [0, 1, 5, 9],
    ),
    (
        "Une cartographie ouverte des tiers-lieux",
        4,
        "Les habitants et les partenaires ne savent pas quels lieux existent ni ce qu’ils offrent.",
        "Une carte libre des lieux du réseau et de leurs services, aux données ouvertes.",
        [("Collecte des données", 2000, 3000), ("Carte en ligne", 1500, 2500)],
        "consented",
        [0, 2],
    ),
    (
        "Un fonds documentaire juridique commun",
        5,
        "Chaque lieu paie seul les mêmes conseils juridiques (baux, assurances, statuts).",
        "Des fiches juridiques relues par un avocat, sous licence ouverte.",
        [("Consultations juridiques", 3000, 5000)],
        "consented",
        [1, 8],
    ),
    (
        "Des ateliers de réparation itinérants",
        2,
        "Les villages sans lieu n’ont accès à aucun atelier de réparation.",
        "Un atelier mobile partagé et des fiches de réparation libres.",
        [("Camion atelier (location)", 2500, 4000), ("Animation", 2000, 3000)],
        "consented",
        [4, 9],
    ),
    (
        "Une méthode pour accueillir les nouveaux venus",
        0,
        "Les nouveaux bénévoles repartent faute d’accueil.",
        "Un guide d’accueil libre.",
        [("Rédaction", 1000, 2000)],
        "draft",
        [],
    ),
]


async def _load_challenges(network_id: int, lieu_ids: list[int], moment: dt.datetime) -> None:
    criteria = []
    for position, name in enumerate(CRITERIA):
        criterion_id = await inserted_id(
            Criterion.insert(Criterion(network=network_id, name=name, position=position)).returning(
                Criterion.id
            )
        )
        criteria.append(criterion_id)
    for title, proposer, problem, commons, lines, state, concerned in CHALLENGES:
        published = state != "draft"
        challenge_id = await inserted_id(
            Challenge.insert(
                Challenge(
                    network=network_id,
                    lieu=lieu_ids[proposer],
                    created_at=moment - dt.timedelta(days=30),
                    current_version=1 if published else 0,
                )
            ).returning(Challenge.id)
        )
        version_id = await inserted_id(
            ChallengeVersion.insert(
                ChallengeVersion(
                    challenge=challenge_id,
                    number=1,
                    title=title,
                    problem=problem,
                    commons=commons,
                    users="Les lieux du réseau et leurs publics",
                    created_at=moment - dt.timedelta(days=30),
                    published_at=moment - dt.timedelta(days=30) if published else None,
                )
            ).returning(ChallengeVersion.id)
        )
        await BudgetLine.insert(
            *(
                BudgetLine(
                    version=version_id,
                    label=label,
                    min_cents=low * 100,
                    max_cents=high * 100,
                    position=index,
                )
                for index, (label, low, high) in enumerate(lines)
            )
        )
        for index in concerned:
            await ConcernedLieu.insert(
                ConcernedLieu(
                    challenge=challenge_id,
                    lieu=lieu_ids[index],
                    declared_at=moment,
                    note="Nous vivons le même problème.",
                )
            )
        if published:
            asker = concerned[0] if concerned else (proposer + 1) % len(lieu_ids)
            await _load_discussion(challenge_id, lieu_ids[asker], lieu_ids[proposer], moment)
        if state in ("consented", "to_amend"):
            # Challenges the 2026 envelope could fund were consented before it closed (closing
            # freezes positions); the others during this year's diagnosis.
            in_2026 = any(title == pledge[0] for pledge in SETTLED_ENVELOPE[3])
            opened = moment - dt.timedelta(days=150 if in_2026 else 20)
            round_id = await inserted_id(
                ConsentRound.insert(
                    ConsentRound(
                        challenge=challenge_id,
                        version=1,
                        opened_at=opened,
                        deadline=opened + dt.timedelta(days=14),
                        quorum=3,
                    )
                ).returning(ConsentRound.id)
            )
            voters = [index for index in (1, 3, 4, 5, 9) if index != proposer][:4]
            for index in voters:
                objection = state == "to_amend" and index == voters[0]
                await RoundPosition.insert(
                    RoundPosition(
                        round=round_id,
                        lieu=lieu_ids[index],
                        kind="objection" if objection else "consent",
                        text="Rien ne dit comment un lieu quitte le pass sans pénaliser les autres."
                        if objection
                        else "",
                        criterion=criteria[3] if objection else None,
                        taken_at=opened + dt.timedelta(days=index + 1),
                    )
                )
            await RoundQuestion.insert(
                RoundQuestion(
                    round=round_id,
                    lieu=lieu_ids[voters[-1]],
                    text="Qui assurera la maintenance ?",
                    asked_at=opened + dt.timedelta(days=2),
                    answer="Les lieux porteurs, à tour de rôle, avec un budget annuel.",
                    answered_at=opened + dt.timedelta(days=3),
                )
            )
        elif state == "open":
            opened = moment - dt.timedelta(days=3)
            round_id = await inserted_id(
                ConsentRound.insert(
                    ConsentRound(
                        challenge=challenge_id,
                        version=1,
                        opened_at=opened,
                        deadline=moment + dt.timedelta(days=11),
                        quorum=3,
                    )
                ).returning(ConsentRound.id)
            )
            await RoundPosition.insert(
                RoundPosition(
                    round=round_id,
                    lieu=lieu_ids[4],
                    kind="concern",
                    text="Attention au temps de relecture demandé aux petits lieux.",
                    criterion=criteria[2],
                    taken_at=moment - dt.timedelta(days=1),
                )
            )
            await RoundQuestion.insert(
                RoundQuestion(
                    round=round_id,
                    lieu=lieu_ids[0],
                    text="La documentation sera-t-elle traduite en FALC ?",
                    asked_at=moment - dt.timedelta(days=2),
                )
            )


async def _load_discussion(
    challenge_id: int, asker: int, proposer: int, moment: dt.datetime
) -> None:
    """A short conversation on a published challenge: a lieu asks, the proposers reply."""
    thread = await inserted_id(
        DiscussionComment.insert(
            DiscussionComment(
                challenge=challenge_id,
                lieu=asker,
                version=1,
                text="Chez nous aussi, c’est un vrai besoin. Avez-vous une idée du calendrier ?",
                created_at=moment - dt.timedelta(days=25),
            )
        ).returning(DiscussionComment.id)
    )
    await DiscussionComment.insert(
        DiscussionComment(
            challenge=challenge_id,
            thread=thread,
            lieu=proposer,
            text="Un premier essai au printemps, puis une version ouverte à tous les lieux.",
            created_at=moment - dt.timedelta(days=24),
        )
    )


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
    """Load the demo network into an empty database; return False if there is data already."""
    if await User.count() > 0:
        return False
    password_hash = await hash_password(DEMO_PASSWORD)
    moment = now()
    async with write_transaction():
        network_id = await inserted_id(
            Network.insert(
                Network(
                    {getattr(Network, key): value for key, value in NETWORK.items()},
                    slug=slugify(NETWORK["name"]),
                    created_at=moment,
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
                        created_at=moment,
                    )
                ).returning(Lieu.id)
            )
            lieu_ids.append(lieu_id)
            await NetworkLieu.insert(
                NetworkLieu(network=network_id, lieu=lieu_id, weight=weight, joined_at=moment)
            )
        org_ids: list[int] = []
        coordinators: list[int] = []
        for name, kind, description in COFUNDERS:
            org_id = await inserted_id(
                CofundingOrg.insert(
                    CofundingOrg(
                        network=network_id,
                        name=name,
                        kind=kind,
                        description=description,
                        created_at=moment,
                    )
                ).returning(CofundingOrg.id)
            )
            org_ids.append(org_id)
        for email, name, role, index in PEOPLE:
            user_id = await inserted_id(
                User.insert(
                    User(
                        email=email,
                        name=name,
                        password_hash=password_hash,
                        is_site_admin=role == "site_admin",
                        created_at=moment,
                    )
                ).returning(User.id)
            )
            if role == "coordinator":
                coordinators.append(user_id)
                await Coordinator.insert(Coordinator(network=network_id, user=user_id))
            elif role in ("lieu_admin", "member") and index is not None:
                await Membership.insert(
                    Membership(user=user_id, lieu=lieu_ids[index], is_admin=role == "lieu_admin")
                )
            elif role == "cofunder" and index is not None:
                await CofunderPerson.insert(CofunderPerson(user=user_id, org=org_ids[index]))
        await _load_challenges(network_id, lieu_ids, moment)
        await load_needs(network_id, lieu_ids, moment)
        settled = await _load_envelope(SETTLED_ENVELOPE, network_id, lieu_ids, org_ids, moment)
        await _load_envelope(FUNDING_ENVELOPE, network_id, lieu_ids, org_ids, moment)
    # Settled through the real service, as a coordinator would: stored inputs, digest, emails.
    await settlements.settle(
        settings or Settings(database_url="", secret_key="demo"),
        Actor(user_id=coordinators[0], coordinator_of=frozenset({network_id})),
        envelope_id=settled,
    )
    await _load_report(settled, moment)
    return True


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
