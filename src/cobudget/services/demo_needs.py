"""The demo's needs (issue 17): a few lieux say what they lack before any call, two of them in
the same theme, and one lieu says « nous aussi » to another's need."""

from __future__ import annotations

import datetime as dt

from cobudget.db.tables import Need, NeedJoin
from cobudget.db.transactions import inserted_id

# lieu index (in demo.LIEUX), title, what it lacks, commons, min €, max €, theme, years, joined by
NEEDS = [
    (
        0,
        "Un logiciel de réservation des machines",
        "Nos adhérents réservent la découpeuse laser et les machines à bois sur un tableur "
        "partagé : les créneaux se chevauchent et personne ne sait qui est formé à quoi.",
        "Un logiciel libre de réservation avec les habilitations, partagé entre les lieux.",
        8_000,
        15_000,
        "numerique",
        2,
        (4,),
    ),
    (
        4,
        "Un outil de prêt de matériel informatique",
        "Nous prêtons des ordinateurs reconditionnés sans suivi : on perd la trace du matériel.",
        "Un inventaire partagé du matériel prêtable entre lieux du réseau.",
        5_000,
        10_000,
        "numerique",
        1,
        (),
    ),
    (
        2,
        "Une camionnette partagée pour la collecte",
        "La ressourcerie collecte avec des véhicules prêtés par les bénévoles.",
        "Une méthode d’autopartage entre lieux, documentée et réutilisable.",
        20_000,
        35_000,
        "mobilite",
        3,
        (),
    ),
    (
        1,
        "Un approvisionnement local groupé",
        "Le café achète seul à chaque producteur : petits volumes, beaucoup de trajets.",
        "",
        3_000,
        None,
        "alimentation",
        2,
        (),
    ),
]


async def load_needs(network_id: int, lieu_ids: list[int], moment: dt.datetime) -> None:
    """Inside the demo's transaction."""
    for index, title, lacks, commons, low, high, theme, years, joined_by in NEEDS:
        need_id = await inserted_id(
            Need.insert(
                Need(
                    network=network_id,
                    lieu=lieu_ids[index],
                    title=title,
                    lacks=lacks,
                    commons=commons,
                    min_cents=low * 100,
                    max_cents=high * 100 if high is not None else None,
                    theme=theme,
                    horizon_years=years,
                    created_at=moment,
                    updated_at=moment,
                )
            ).returning(Need.id)
        )
        for lieu in joined_by:
            await NeedJoin.insert(NeedJoin(need=need_id, lieu=lieu_ids[lieu], declared_at=moment))
