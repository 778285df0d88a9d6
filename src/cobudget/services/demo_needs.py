"""The demo's needs (issue 17), told through the services: lieux say what they lack before any
call, several of them in the same theme, other lieux say « nous aussi », and one need later
becomes a challenge (the booking tool: `demo_challenges`, `Story.need`)."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.domain.needs import NeedForm
from cobudget.services import needs
from cobudget.services.clock import told_at
from cobudget.services.demo_story import Cast


class NeedStory(msgspec.Struct, frozen=True):
    lieu: int  # index in demo.LIEUX
    title: str
    lacks: str
    commons: str
    min_euros: int
    max_euros: int | None
    theme: str
    years: int
    published: int  # days from now
    joined_by: tuple[int, ...] = ()


NEEDS = (
    NeedStory(
        0,
        "Un logiciel de réservation des machines",
        "Nos adhérents réservent la découpeuse laser et les machines à bois sur un tableur "
        "partagé : les créneaux se chevauchent et personne ne sait qui est formé à quoi.",
        "Un logiciel libre de réservation avec les habilitations, partagé entre les lieux.",
        8_000,
        15_000,
        "numerique",
        2,
        published=-90,
        joined_by=(4, 1),
    ),
    NeedStory(
        4,
        "Un outil de prêt de matériel informatique",
        "Nous prêtons des ordinateurs reconditionnés sans suivi : on perd la trace du matériel.",
        "Un inventaire partagé du matériel prêtable entre lieux du réseau.",
        5_000,
        10_000,
        "numerique",
        1,
        published=-80,
    ),
    NeedStory(
        2,
        "Une camionnette partagée pour la collecte",
        "La ressourcerie collecte avec des véhicules prêtés par les bénévoles.",
        "Une méthode d’autopartage entre lieux, documentée et réutilisable.",
        20_000,
        35_000,
        "mobilite",
        3,
        published=-60,
        joined_by=(9,),
    ),
    NeedStory(
        1,
        "Un approvisionnement local groupé",
        "Le café achète seul à chaque producteur : petits volumes, beaucoup de trajets.",
        "",
        3_000,
        None,
        "alimentation",
        2,
        published=-45,
        joined_by=(7,),
    ),
    NeedStory(
        7,
        "Une chambre froide mobile pour les marchés",
        "Les producteurs perdent des légumes l’été faute de froid entre la légumerie et les "
        "marchés.",
        "Les plans d’une remorque frigorifique autoconstruite, sous licence libre.",
        12_000,
        18_000,
        "alimentation",
        2,
        published=-20,
    ),
    NeedStory(
        8,
        "Un parc de matériel scénique partagé",
        "Chaque résidence loue projecteurs et gradins pour quelques jours, au prix fort.",
        "Un parc de matériel scénique commun, avec son calendrier de prêt.",
        6_000,
        12_000,
        "culture",
        3,
        published=-10,
        joined_by=(1, 9),
    ),
)


async def tell(cast: Cast) -> dict[str, int]:
    """Publish every need as its lieu's admin would, then the « nous aussi » of other lieux;
    returns the needs' ids by title."""
    ids: dict[str, int] = {}
    for story in NEEDS:
        with told_at(cast.moment + dt.timedelta(days=story.published)):
            ids[story.title] = await needs.publish(
                cast.speakers[story.lieu],
                network_id=cast.network_id,
                lieu_id=cast.lieu_ids[story.lieu],
                form=NeedForm(
                    title=story.title,
                    lacks=story.lacks,
                    commons=story.commons,
                    min_euros=str(story.min_euros),
                    max_euros="" if story.max_euros is None else str(story.max_euros),
                    theme=story.theme,
                    horizon=str(story.years),
                ),
            )
        for index, lieu in enumerate(story.joined_by):
            with told_at(cast.moment + dt.timedelta(days=story.published + 1 + index)):
                await needs.join(
                    cast.speakers[lieu], need_id=ids[story.title], lieu_id=cast.lieu_ids[lieu]
                )
    return ids
