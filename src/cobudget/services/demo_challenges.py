"""What the demo's challenges say and what happened to each (told by `demo_story`).

Lieu indexes are those of `demo.LIEUX` (0 La Fabrique du Bourg, 1 Café Le Comptoir, 2 L’Atelier
des Possibles, 3 Cowork des Volcans, 4 La Grange Numérique, 5 Les Ateliers du Lac, 7 La Ruche
Paysanne, 8 Le Moulin, 9 Espace Bazar); criteria those of `demo.CRITERIA` (0 communauté,
1 ancrage, 2 partage, 3 gouvernance, 4 économie). Days count from the moment the demo loads.
The 2026 envelope closed 110 days ago: what it funds was consented before.
"""

from __future__ import annotations

from cobudget.services.demo_story import Amendment, RoundStory, Story

CONSENT = "consent"
CONCERN = "concern"
OBJECTION = "objection"

STORIES: tuple[Story, ...] = (
    Story(
        title="Une cartographie ouverte des tiers-lieux",
        proposer=4,
        problem="Les habitants et les partenaires ne savent pas quels lieux existent ni ce "
        "qu’ils offrent : chaque lieu tient sa page, que personne ne trouve.",
        commons="Une carte libre des lieux du réseau et de leurs services, aux données ouvertes.",
        users="Les habitants, les offices de tourisme et les lieux eux-mêmes",
        lines=(("Collecte des données", 2000, 3000), ("Carte en ligne", 1500, 2500)),
        published=-165,
        concerned=((0, "On nous demande chaque semaine où trouver un fablab."), (2, "")),
        talk=(
            0,
            "Qui mettra la carte à jour quand un lieu change d’horaires ?",
            "Chaque lieu édite sa fiche ; la Grange relit les changements une fois par mois.",
        ),
        round=RoundStory(
            opened=-150,
            length=14,
            positions=(
                (0, CONSENT, "", None, 2),
                (1, CONSENT, "", None, 3),
                (
                    2,
                    CONCERN,
                    "Prévoir qui paie l’hébergement de la carte après le financement.",
                    4,
                    4,
                ),
                (9, CONSENT, "", None, 6),
            ),
            questions=(
                (
                    2,
                    "Les données pourront-elles être reprises par la Région et les offices de "
                    "tourisme ?",
                    "Oui, sous Licence Ouverte Etalab 2.0, avec une mise à jour chaque trimestre.",
                ),
            ),
        ),
    ),
    Story(
        title="Un fonds documentaire juridique commun",
        proposer=5,
        problem="Chaque lieu paie seul les mêmes conseils juridiques : baux précaires, "
        "assurances, conventions d’occupation avec les communes.",
        commons="Des fiches juridiques relues par une avocate, sous licence ouverte.",
        users="Les bénévoles et salarié·es qui administrent les lieux",
        lines=(("Consultations juridiques", 3000, 5000),),
        published=-160,
        concerned=((1, "Notre bail se termine l’an prochain."), (8, "")),
        round=RoundStory(
            opened=-148,
            length=14,
            positions=(
                (1, CONSENT, "", None, 1),
                (3, CONSENT, "", None, 2),
                (8, CONSENT, "", None, 3),
                (9, CONCERN, "Les statuts de SCIC demandent une avocate spécialisée.", 3, 5),
            ),
            questions=(
                (
                    8,
                    "Les fiches couvriront-elles les conventions d’occupation avec les communes ?",
                    "Oui : c’est la première fiche demandée, relue avant l’été.",
                ),
            ),
        ),
    ),
    Story(
        title="Un outil de réservation partagé",
        proposer=0,
        problem="Chaque lieu gère ses salles et ses machines dans un tableur ou un agenda : les "
        "doubles réservations sont fréquentes et les habitants ne savent pas ce qui est libre "
        "ailleurs.",
        commons="Un logiciel libre de réservation, hébergé en commun, que chaque lieu peut "
        "installer.",
        users="Les lieux du réseau et leurs adhérents",
        lines=(
            ("Développement", 8000, 12000),
            ("Hébergement mutualisé (2 ans)", 1200, 1800),
            ("Formation des lieux", 1500, 2500),
        ),
        published=-55,
        need="Un logiciel de réservation des machines",
        concerned=(
            (1, "Nos salles de spectacle sont réservées par téléphone."),
            (2, ""),
            (4, "La France services prend des rendez-vous sur papier."),
            (8, ""),
        ),
        talk=(
            1,
            "Pourra-t-on réserver aussi la salle de spectacle, pas seulement les machines ?",
            "Oui, tout ce qui se réserve : salles, machines, matériel prêté.",
        ),
        round=RoundStory(
            opened=-40,
            length=14,
            positions=(
                (1, CONSENT, "", None, 1),
                (3, CONSENT, "", None, 2),
                (4, CONCERN, "Prévoir une version simple pour les lieux sans salarié·e.", 0, 3),
                (5, CONSENT, "", None, 4),
                (8, CONSENT, "", None, 5),
            ),
            questions=(
                (
                    4,
                    "Qui hébergera l’outil quand les deux années payées par le défi seront "
                    "passées ?",
                    "La Grange et la Fabrique, sur leurs serveurs ; une cotisation de 5 € par "
                    "mois et par lieu paiera la suite.",
                ),
            ),
        ),
    ),
    Story(
        title="Des ateliers de réparation itinérants",
        proposer=2,
        problem="Les villages sans lieu n’ont accès à aucun atelier de réparation : on jette "
        "des vélos et des machines à laver qui repartiraient avec une pièce.",
        commons="Un atelier mobile partagé et des fiches de réparation libres.",
        users="Les habitants des villages du Cantal et de la Haute-Loire",
        lines=(("Camion atelier (location)", 2500, 4000), ("Animation", 2000, 3000)),
        published=-50,
        concerned=((4, ""), (9, "Nos marchés attendent un repair café.")),
        round=RoundStory(
            opened=-38,
            length=12,
            positions=(
                (1, CONSENT, "", None, 1),
                (3, CONCERN, "Le carburant n’apparaît pas dans le budget.", 4, 2),
                (4, CONSENT, "", None, 2),
                (5, CONSENT, "", None, 3),
                (9, CONSENT, "", None, 4),
            ),
            questions=(
                (
                    9,
                    "Le camion viendra-t-il sur les marchés du Velay ?",
                    "Oui, une tournée par mois en Haute-Loire, annoncée dans l’agenda du réseau.",
                ),
            ),
        ),
    ),
    Story(
        title="Un pass inter-lieux",
        proposer=2,
        problem="Une personne adhérente d’un lieu paie de nouveau pour utiliser l’atelier "
        "d’à côté.",
        commons="Un pass commun, ses règles de réciprocité et l’outil pour le vérifier.",
        users="Les adhérents des lieux du réseau",
        lines=(("Étude juridique", 2000, 3000), ("Outil de vérification", 4000, 7000)),
        published=-70,
        concerned=((0, "Nos adhérents vont déjà au Moulin."), (9, "")),
        round=RoundStory(
            opened=-65,
            length=14,
            positions=(
                (
                    8,
                    OBJECTION,
                    "Rien ne dit comment un lieu quitte le pass, ni qui rembourse "
                    "les adhésions déjà payées : un départ pénaliserait les autres lieux.",
                    3,
                    2,
                ),
                (1, CONSENT, "", None, 3),
                (4, CONSENT, "", None, 4),
                (
                    9,
                    CONCERN,
                    "L’outil doit marcher sans connexion : nos ateliers n’ont pas "
                    "toujours de réseau.",
                    2,
                    5,
                ),
            ),
            questions=(
                (
                    0,
                    "Le pass ouvre-t-il aussi les machines qui demandent une formation ?",
                    "Non : chaque lieu garde ses habilitations ; le pass ouvre l’accès, pas la "
                    "formation.",
                ),
            ),
        ),
        amendment=Amendment(
            day=-45,
            commons="Un pass commun, ses règles de réciprocité, une charte de sortie et l’outil "
            "pour le vérifier, utilisable sans connexion.",
            lines=(
                ("Étude juridique", 2000, 3000),
                ("Charte de sortie et caisse de réciprocité", 1000, 1500),
                ("Outil de vérification hors ligne", 4000, 7000),
            ),
            answers={
                8: "La version 2 ajoute une charte de sortie : un lieu qui quitte le pass "
                "prévient trois mois avant, et une caisse commune rembourse les adhésions en "
                "cours.",
            },
            second_round=(
                (8, CONSENT, "", None, 2),
                (1, CONSENT, "", None, 3),
                (4, CONSENT, "", None, 3),
                (9, CONSENT, "", None, 5),
            ),
        ),
    ),
    Story(
        title="Un inventaire partagé du matériel",
        proposer=4,
        problem="Les lieux achètent chacun des machines qu’ils utilisent peu.",
        commons="Un inventaire ouvert du matériel prêtable entre lieux, avec une charte de prêt.",
        users="Les lieux du réseau",
        lines=(("Recensement", 1500, 2500), ("Charte de prêt", 500, 900)),
        published=-32,
        need="Un outil de prêt de matériel informatique",
        concerned=((0, ""), (1, ""), (5, "Notre scie à format dort l’hiver."), (9, "")),
        round=RoundStory(
            opened=-28,
            length=14,
            positions=(
                (
                    5,
                    OBJECTION,
                    "L’inventaire ne dit pas qui paie quand une machine prêtée "
                    "casse : sans assurance commune, nous ne prêterons rien.",
                    2,
                    2,
                ),
                (0, CONSENT, "", None, 3),
                (1, CONSENT, "", None, 4),
                (9, CONSENT, "", None, 6),
            ),
            questions=(
                (
                    1,
                    "Les petits outils, perceuses ou vidéoprojecteurs, seront-ils dans "
                    "l’inventaire ?",
                    "Oui, tout ce qu’un lieu accepte de prêter, avec une fiche par objet.",
                ),
            ),
        ),
    ),
    Story(
        title="Une documentation partagée des services",
        proposer=1,
        problem="Chaque lieu réécrit seul la présentation de ses services, ses tarifs et ses "
        "règles.",
        commons="Un modèle de documentation sous licence ouverte, tenu à jour ensemble.",
        users="Les équipes d’accueil des lieux",
        lines=(
            ("Rédaction et ateliers d’écriture", 3000, 5000),
            ("Mise en page accessible", 800, 1500),
        ),
        published=-12,
        concerned=((0, ""), (5, "Nos tarifs changent chaque saison.")),
        talk=(
            5,
            "Le modèle sera-t-il aussi en version imprimable pour l’accueil ?",
            "Oui, une version A4 sera générée à partir du même texte.",
        ),
        round=RoundStory(
            opened=-3,
            length=14,
            positions=(
                (4, CONCERN, "Attention au temps de relecture demandé aux petits lieux.", 2, 2),
                (3, CONSENT, "", None, 2),
            ),
            questions=(
                (
                    0,
                    "La documentation sera-t-elle écrite aussi en « facile à lire et à "
                    "comprendre » ?",
                    None,
                ),
            ),
        ),
    ),
    Story(
        title="Un groupement d’achat d’énergie",
        proposer=3,
        problem="Les factures d’électricité des ateliers ont doublé ; chaque lieu négocie seul.",
        commons="Un cahier des charges commun et une méthode de groupement d’achat, publiés "
        "pour d’autres réseaux.",
        users="Les lieux du réseau et les associations voisines",
        lines=(("Étude des consommations", 1500, 2500), ("Accompagnement juridique", 1000, 2000)),
        published=-6,
        concerned=((7, "La légumerie tourne jour et nuit."), (0, "")),
        talk=(
            7,
            "Les chambres froides pourraient-elles être comptées à part ?",
            "Bonne idée : l’étude distinguera le froid, les machines et le chauffage.",
        ),
    ),
    Story(
        title="Une méthode pour accueillir les nouveaux venus",
        proposer=0,
        problem="Les nouveaux bénévoles repartent faute d’accueil.",
        commons="Un guide d’accueil libre.",
        users="Les lieux qui accueillent des bénévoles",
        lines=(("Rédaction", 1000, 2000),),
        published=None,
    ),
)
