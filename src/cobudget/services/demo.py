"""Demo data: one realistic regional network, so a new user has something to look at.

Loaded by `make run` into an empty database. Every demo account has the password
`DEMO_PASSWORD`; the logins are listed in the README.
"""

from __future__ import annotations

from cobudget.db.tables import (
    CofunderPerson,
    CofundingOrg,
    Coordinator,
    Lieu,
    Membership,
    Network,
    NetworkLieu,
    User,
)
from cobudget.db.transactions import write_transaction
from cobudget.domain.validation import slugify
from cobudget.services.clock import now
from cobudget.services.passwords import hash_password

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


async def load_demo() -> bool:
    """Load the demo network into an empty database; return False if there is data already."""
    if await User.count() > 0:
        return False
    password_hash = await hash_password(DEMO_PASSWORD)
    moment = now()
    async with write_transaction():
        network_rows = await Network.insert(
            Network(slug=slugify(NETWORK["name"]), created_at=moment, is_public=True, **NETWORK)
        ).returning(Network.id)
        network_id = network_rows[0]["id"]
        lieu_ids = []
        for name, town, form, territory, description, weight in LIEUX:
            rows = await Lieu.insert(
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
            lieu_ids.append(rows[0]["id"])
            await NetworkLieu.insert(
                NetworkLieu(network=network_id, lieu=rows[0]["id"], weight=weight, joined_at=moment)
            )
        org_ids = []
        for name, kind, description in COFUNDERS:
            rows = await CofundingOrg.insert(
                CofundingOrg(
                    network=network_id,
                    name=name,
                    kind=kind,
                    description=description,
                    created_at=moment,
                )
            ).returning(CofundingOrg.id)
            org_ids.append(rows[0]["id"])
        for email, name, role, index in PEOPLE:
            rows = await User.insert(
                User(
                    email=email,
                    name=name,
                    password_hash=password_hash,
                    is_site_admin=role == "site_admin",
                    created_at=moment,
                )
            ).returning(User.id)
            user_id = rows[0]["id"]
            if role == "coordinator":
                await Coordinator.insert(Coordinator(network=network_id, user=user_id))
            elif role in ("lieu_admin", "member") and index is not None:
                await Membership.insert(
                    Membership(user=user_id, lieu=lieu_ids[index], is_admin=role == "lieu_admin")
                )
            elif role == "cofunder" and index is not None:
                await CofunderPerson.insert(CofunderPerson(user=user_id, org=org_ids[index]))
    return True
