"""SPEC §2 through HTTP: every route × every role gets allowed, 401 or 403 — and a refusal
writes nothing. A last test fails if a route is added without a row here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import ALL_TABLES
from tests.integration.conftest import ROLES, World, post_form

ALLOWED = "allowed"


def _in_days(days: int) -> str:
    """A round's deadline as the form takes it (Paris time), within the 60 days a round may last."""
    moment = dt.datetime.now(ZoneInfo("Europe/Paris")) + dt.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M")


EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"visitor"}
MEMBERS = frozenset({"member", "lieu_admin"})
ENVELOPE_FORM = {
    "title": "Enveloppe 2028",
    "amount": "40 000",
    "rule": "cofunding",
    "min_cofunders": "2",
    "own_challenge_cap_pct": "50",
    "quorum": "3",
    "eligible.association": "on",
    "proposals_from": "2099-01-01T10:00",
    "diagnosis_from": "2099-02-01T10:00",
    "funding_from": "2099-03-01T10:00",
    "funding_until": "2099-04-01T10:00",
}

# method, path template, form data, roles allowed
TABLE: list[tuple[str, str, dict[str, str], frozenset[str]]] = [
    ("GET", "/", {}, EVERYONE),
    ("GET", "/reseaux/{network}", {}, EVERYONE),
    ("GET", "/lieux/{lieu}", {}, EVERYONE),
    ("GET", "/mon-espace", {}, LOGGED_IN),
    ("GET", "/mon-espace/notifications", {}, LOGGED_IN),
    ("POST", "/mon-espace/notifications", {"mode.question_asked": "daily"}, LOGGED_IN),
    ("GET", "/admin/reseaux/nouveau", {}, frozenset({"site_admin"})),
    (
        "POST",
        "/admin/reseaux/nouveau",
        {"name": "Réseau Nouveau", "is_public": "on"},
        frozenset({"site_admin"}),
    ),
    (
        "POST",
        "/reseaux/{network}/coordinateurs",
        {"email": "nouveau@exemple.fr"},
        frozenset({"site_admin"}),
    ),
    ("GET", "/reseaux/{network}/gerer", {}, frozenset({"coordinator", "site_admin"})),
    ("GET", "/reseaux/{network}/lieux/inviter", {}, frozenset({"coordinator"})),
    (
        "POST",
        "/reseaux/{network}/lieux/inviter",
        {
            "name": "Lieu Neuf",
            "town": "Rodez",
            "legal_form": "scop",
            "weight": "1",
            "email": "neuf@exemple.fr",
        },
        frozenset({"coordinator"}),
    ),
    (
        "POST",
        "/reseaux/{network}/lieux/{lieu_id}/statut",
        {"legal_form": "scic", "territory": "Ségala", "weight": "2"},
        frozenset({"coordinator"}),
    ),
    ("GET", "/reseaux/{network}/cofinanceurs/inviter", {}, frozenset({"coordinator"})),
    (
        "POST",
        "/reseaux/{network}/cofinanceurs/inviter",
        {"name": "Région Test", "kind": "collectivite", "email": "region@exemple.fr"},
        frozenset({"coordinator"}),
    ),
    ("GET", "/reseaux/{network}/journal", {}, frozenset({"coordinator"})),
    ("GET", "/lieux/{lieu}/modifier", {}, frozenset({"lieu_admin"})),
    (
        "POST",
        "/lieux/{lieu}/modifier",
        {"name": "La Fabrique", "town": "Castres"},
        frozenset({"lieu_admin"}),
    ),
    ("GET", "/lieux/{lieu}/personnes/inviter", {}, frozenset({"lieu_admin"})),
    (
        "POST",
        "/lieux/{lieu}/personnes/inviter",
        {"email": "nouvelle@exemple.fr"},
        frozenset({"lieu_admin"}),
    ),
    ("GET", "/reseaux/{network}/defis/nouveau", {}, MEMBERS),
    (
        "POST",
        "/reseaux/{network}/defis/nouveau",
        {
            "lieu": "{lieu_id}",
            "title": "Un pass inter-lieux",
            "problem": "Chacun son adhésion.",
            "commons": "Un pass commun.",
            "licence": "etalab-2.0",
            "lines.0.label": "Étude",
            "lines.0.min": "1 000",
            "lines.0.max": "2 000,50",
            "action": "publish",
        },
        MEMBERS,
    ),
    ("GET", "/defis/{challenge}", {}, EVERYONE),
    ("GET", "/defis/{challenge}/versions/{number}", {}, EVERYONE),
    ("GET", "/defis/{challenge}/comparer", {}, EVERYONE),
    # Only the proposing lieu (the other lieu, where no role of the table belongs) may edit.
    ("GET", "/defis/{challenge}/modifier", {}, frozenset()),
    ("POST", "/defis/{challenge}/modifier", {"title": "Autre titre"}, frozenset()),
    # Only the proposing lieu withdraws its challenge (issue 17): no role of the table.
    (
        "POST",
        "/defis/{challenge}/retrait",
        {"withdrawal_reason": "Un autre réseau le porte.", "confirm": "1"},
        frozenset(),
    ),
    (
        "POST",
        "/defis/{challenge}/nous-aussi",
        {"lieu": "{lieu_id}", "note": "Chez nous aussi"},
        MEMBERS,
    ),
    ("POST", "/defis/{challenge}/co-porteurs/{lieu_id}", {"answer": "accept"}, MEMBERS),
    (
        "POST",
        "/defis/{fresh_challenge}/tours",
        {"deadline": _in_days(30)},
        frozenset({"coordinator"}),
    ),
    ("POST", "/tours/{round}/cloture", {"confirm": "1"}, frozenset({"coordinator"})),
    (
        "POST",
        "/tours/{round}/prolongation",
        {"deadline": _in_days(31)},
        frozenset({"coordinator"}),
    ),
    ("POST", "/tours/{round}/position", {"lieu": "{lieu_id}", "kind": "consent"}, MEMBERS),
    (
        "POST",
        "/tours/{round}/questions",
        {"lieu": "{lieu_id}", "text": "Quel hébergement ?"},
        MEMBERS,
    ),
    # Only the proposing lieu answers, and no role of the table belongs to it.
    ("POST", "/questions/{question}/reponse", {"text": "Chez nous."}, frozenset()),
    ("POST", "/tours/{round}/commentaires", {"as": "lieu:{lieu_id}", "text": "Oui !"}, MEMBERS),
    (
        "POST",
        "/commentaires/{comment}/masquer",
        {"reason": "Hors sujet", "confirm": "1"},
        frozenset({"coordinator"}),
    ),
    ("GET", "/defis/{challenge}/discussion", {}, EVERYONE),
    (
        "POST",
        "/defis/{challenge}/discussion",
        {"as": "lieu:{lieu_id}", "text": "Et l’hébergement ?"},
        MEMBERS,
    ),
    # A coordinator writes in their own name; nobody else may.
    (
        "POST",
        "/defis/{challenge}/discussion",
        {"as": "self", "text": "Bonne question."},
        frozenset({"coordinator"}),
    ),
    (
        "POST",
        "/defis/{challenge}/discussion",
        {"as": "lieu:{lieu_id}", "text": "Pareil chez nous.", "parent": "{discussion}"},
        MEMBERS,
    ),
    (
        "POST",
        "/discussion/{discussion}/signalement",
        {},
        frozenset({"member", "lieu_admin", "cofunder", "coordinator"}),
    ),
    (
        "POST",
        "/discussion/{discussion}/masquer",
        {"reason": "Propos blessants", "confirm": "1"},
        frozenset({"coordinator"}),
    ),
    ("GET", "/reseaux/{network}/diagnostic", {}, frozenset({"coordinator"})),
    (
        "POST",
        "/reseaux/{network}/diagnostic",
        {"criteria": "Gouvernance", "quorum": "2"},
        frozenset({"coordinator"}),
    ),
    ("GET", "/reseaux/{network}/enveloppes/nouvelle", {}, frozenset({"coordinator"})),
    ("POST", "/reseaux/{network}/enveloppes/nouvelle", ENVELOPE_FORM, frozenset({"coordinator"})),
    ("GET", "/enveloppes/{envelope}", {}, EVERYONE),
    ("GET", "/enveloppes/{draft_envelope}/modifier", {}, frozenset({"coordinator"})),
    ("POST", "/enveloppes/{draft_envelope}/modifier", ENVELOPE_FORM, frozenset({"coordinator"})),
    (
        "POST",
        "/enveloppes/{envelope}/calendrier",
        {"move": "extend", "until": "2099-01-01T12:00"},
        frozenset({"coordinator"}),
    ),
    (
        "POST",
        "/enveloppes/{envelope}/contributions",
        {
            "challenge": "{consented_challenge}",
            "unit": "lieu:{lieu_id}",
            "source": "drawing_rights",
            "amount": "150",
        },
        MEMBERS,
    ),
    (
        "POST",
        "/enveloppes/{es_envelope}/soutiens",
        {"challenge": "{consented_challenge}", "unit": "lieu:{lieu_id}", "points": "1"},
        MEMBERS,
    ),
    (
        "POST",
        "/enveloppes/{closed_envelope}/repartition",
        {"confirm": "1"},
        frozenset({"coordinator"}),
    ),
    ("GET", "/enveloppes/{envelope}/defis/{consented_challenge}/contributions", {}, EVERYONE),
    # The forms of one challenge: a page for whoever has a stake, else back to the envelope.
    ("GET", "/enveloppes/{envelope}/defis/{consented_challenge}/contribuer", {}, EVERYONE),
    ("GET", "/enveloppes/{settled_envelope}/verification", {}, EVERYONE),
    ("GET", "/enveloppes/{settled_envelope}/donnees-reglement.json", {}, EVERYONE),
    ("GET", "/enveloppes/{settled_envelope}/reglement.json", {}, EVERYONE),
    ("GET", "/enveloppes/{envelope}/comparaison", {}, frozenset({"coordinator"})),
    ("GET", "/enveloppes/{settled_envelope}/tour-suivant", {}, frozenset({"coordinator"})),
    ("GET", "/enveloppes/{settled_envelope}/suivi", {}, EVERYONE),
    ("GET", "/enveloppes/{settled_envelope}/donnees/{file}", {}, EVERYONE),
    (
        "GET",
        "/enveloppes/{settled_envelope}/defis/{funded_challenge}/rapports/nouveau",
        {},
        MEMBERS,
    ),
    (
        "POST",
        "/enveloppes/{settled_envelope}/defis/{funded_challenge}/rapports/nouveau",
        {"progress": "Nous avons commencé.", "delivery": "in_progress", "publish": "0"},
        MEMBERS,
    ),
    ("GET", "/rapports/{report}", {}, EVERYONE),
    ("GET", "/rapports/{draft_report}/modifier", {}, MEMBERS),
    (
        "POST",
        "/rapports/{draft_report}/modifier",
        {"progress": "Les factures sont jointes.", "delivery": "in_progress", "publish": "1"},
        MEMBERS,
    ),
    (
        "POST",
        "/rapports/{report}/revue",
        {"decision": "validate", "comment": ""},
        frozenset({"coordinator"}),
    ),
    (
        "POST",
        "/enveloppes/{settled_envelope}/tour-suivant",
        {"title": "Tour suivant", "extra_amount": "0", "split": "weights"},
        frozenset({"coordinator"}),
    ),
]

# Routes open to everyone by nature, tested in test_auth / test_public_pages.
OPEN_ROUTES = {
    "/connexion",
    "/deconnexion",
    "/mot-de-passe-oublie",
    "/mot-de-passe/{token:str}",
    "/invitations/{token:str}",
    "/langue/{code:str}",
    "/favicon.ico",
    "/desabonnement/{token:str}",  # a signed token, no login (test_notifications)
}


async def _snapshot() -> dict[str, int]:
    """Row counts of every table, in one query."""
    names = [table._meta.tablename for table in ALL_TABLES]
    counts = ", ".join(f'(SELECT count(*) FROM "{name}") AS "{name}"' for name in names)
    rows = await ALL_TABLES[0].raw(f"SELECT {counts}")
    return {name: int(rows[0][name]) for name in names}


def _cases() -> list[tuple[str, str, dict[str, str], str, str]]:
    return [
        (method, path, data, role, ALLOWED if role in allowed else "refused")
        for method, path, data, allowed in TABLE
        for role in ROLES
    ]


@pytest.mark.parametrize(
    ("method", "path", "data", "role", "expected"),
    _cases(),
    ids=lambda value: value if isinstance(value, str) else "",
)
async def test_role_table(
    as_role: Callable,
    world: World,
    method: str,
    path: str,  # type: ignore[type-arg]
    data: dict[str, str],
    role: str,
    expected: str,
) -> None:
    client: AsyncTestClient = await as_role(role)  # type: ignore[type-arg]
    names = {
        "network": world.network_slug,
        "lieu": world.lieu_slug,
        "lieu_id": world.lieu_id,
        "challenge": world.challenge_id,
        "fresh_challenge": world.fresh_challenge_id,
        "round": world.round_id,
        "question": world.question_id,
        "comment": world.comment_id,
        "discussion": world.discussion_id,
        "envelope": world.envelope_id,
        "draft_envelope": world.draft_envelope_id,
        "consented_challenge": world.consented_challenge_id,
        "es_envelope": world.es_envelope_id,
        "closed_envelope": world.closed_envelope_id,
        "settled_envelope": world.settled_envelope_id,
        "funded_challenge": world.funded_challenge_id,
        "report": world.report_id,
        "draft_report": world.draft_report_id,
        "file": "pledges.csv",
        "number": 1,
    }
    url = path.format(**names)
    data = {key: value.format(**names) for key, value in data.items()}
    before = await _snapshot()
    if method == "GET":
        response = await client.get(url, follow_redirects=False)
    else:
        response = await post_form(client, url, data)
    if expected == ALLOWED:
        assert response.status_code in (200, 303), (role, url, response.status_code)
        return
    assert response.status_code == (401 if role == "visitor" else 403), (role, url)
    assert "refusée" in response.text or "Connexion requise" in response.text
    after = await _snapshot()
    changed = {
        name: (before[name], after[name])
        for name in before
        if before[name] != after[name] and name != "login_attempt"
    }
    assert not changed, f"a refused {method} {url} as {role} wrote {changed}"


def test_every_route_is_in_the_role_table(settings) -> None:  # type: ignore[no-untyped-def]
    from cobudget.web.app import create_app

    app = create_app(settings)
    tabled = {
        path.replace("{fresh_challenge}", "{challenge}")
        .replace("{consented_challenge}", "{challenge}")
        .replace("{funded_challenge}", "{challenge}")
        .replace("{draft_report}", "{report}")
        .replace("{discussion}", "{comment}")
        .replace("{draft_envelope}", "{envelope}")
        .replace("{es_envelope}", "{envelope}")
        .replace("{closed_envelope}", "{envelope}")
        .replace("{settled_envelope}", "{envelope}")
        for _m, path, _d, _r in TABLE
    }
    normalise = {
        "{slug:str}": "{network}",
        "{lieu_id:int}": "{lieu_id}",
        "{challenge_id:int}": "{challenge}",
        "{round_id:int}": "{round}",
        "{question_id:int}": "{question}",
        "{comment_id:int}": "{comment}",
        "{envelope_id:int}": "{envelope}",
        "{report_id:int}": "{report}",
        "{filename:str}": "{file}",
        "{number:int}": "{number}",
    }
    missing = []
    for route in app.routes:
        if route.path.startswith(("/static", "/api")) or route.path in OPEN_ROUTES:
            continue  # the API's roles are tested in tests/integration/api
        path = route.path
        for raw, name in normalise.items():
            path = path.replace(raw, name)
        if path.startswith("/lieux/"):
            path = path.replace("{network}", "{lieu}")
        if path not in tabled:
            missing.append(route.path)
    assert not missing, f"routes without a row in the role table: {missing}"
