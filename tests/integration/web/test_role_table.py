"""SPEC §2 through HTTP: every route × every role gets allowed, 401 or 403 — and a refusal
writes nothing. A last test fails if a route is added without a row here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import ALL_TABLES
from cobudget.settings import Settings
from tests.conftest import csrf_token
from tests.integration.conftest import ROLES, World, post_form
from tests.support.documents import document, tiny_pdf, tiny_png
from tests.support.factories import PASSWORD

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

NEED_FORM = {
    "title": "Un atelier vélo",
    "lacks": "Pas d’outillage.",
    "theme": "mobilite",
    "horizon": "2",
    "min": "1 000",
    "max": "3 000",
}

# method, path template, form data, roles allowed
TABLE: list[tuple[str, str, dict[str, str], frozenset[str]]] = [
    ("GET", "/", {}, EVERYONE),
    ("GET", "/reseaux/{network}", {}, EVERYONE),
    ("GET", "/lieux/{lieu}", {}, EVERYONE),
    ("GET", "/glossaire", {}, EVERYONE),
    ("GET", "/mon-espace", {}, LOGGED_IN),
    ("GET", "/mon-espace/notifications", {}, LOGGED_IN),
    ("POST", "/mon-espace/notifications", {"mode.question_asked": "daily"}, LOGGED_IN),
    ("GET", "/mon-compte", {}, LOGGED_IN),
    ("POST", "/mon-compte/nom", {"name": "Un Autre Nom"}, LOGGED_IN),
    (
        "POST",
        "/mon-compte/email",
        {"new_email": "ailleurs@exemple.fr", "email_password": PASSWORD},
        LOGGED_IN,
    ),
    (
        "POST",
        "/mon-compte/mot-de-passe",
        {
            "current_password": PASSWORD,
            "password": "un-nouveau-secret",
            "password_confirmation": "un-nouveau-secret",
        },
        LOGGED_IN,
    ),
    ("POST", "/mon-compte/langue", {"locale": "en"}, LOGGED_IN),
    ("GET", "/mon-compte/donnees", {}, LOGGED_IN),
    # The last admin of a lieu, coordinator of a network or site admin must hand over first
    # (services/account_deletion.py); unconfirmed, the others get the confirmation page.
    ("POST", "/mon-compte/supprimer", {}, frozenset({"member", "cofunder"})),
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
    ("GET", "/reseaux/{network}/besoins", {}, EVERYONE),
    ("GET", "/reseaux/{network}/donnees/{needs_file}", {}, EVERYONE),
    ("GET", "/reseaux/{network}/donnees/{needs_sheet}", {}, EVERYONE),  # for a spreadsheet
    ("GET", "/lieux/{lieu}/besoins/nouveau", {}, MEMBERS),
    ("POST", "/lieux/{lieu}/besoins/nouveau", NEED_FORM, MEMBERS),
    ("GET", "/besoins/{need}/modifier", {}, MEMBERS),
    ("POST", "/besoins/{need}/modifier", NEED_FORM, MEMBERS),
    ("POST", "/besoins/{need}/archiver", {"confirm": "1"}, MEMBERS),
    ("POST", "/besoins/{other_need}/nous-aussi", {"lieu": "{lieu_id}"}, MEMBERS),
    ("POST", "/besoins/{other_need}/nous-aussi/retirer", {"lieu": "{lieu_id}"}, MEMBERS),
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
    # The journal of receipts and the check of one (issue 20): whoever reads the envelope.
    ("GET", "/enveloppes/{envelope}/recus", {}, EVERYONE),
    ("GET", "/enveloppes/{settled_envelope}/recus/verifier", {}, EVERYONE),
    ("GET", "/enveloppes/{settled_envelope}/donnees-reglement.json", {}, EVERYONE),
    ("GET", "/enveloppes/{settled_envelope}/reglement.json", {}, EVERYONE),
    ("GET", "/enveloppes/{envelope}/comparaison", {}, frozenset({"coordinator"})),
    ("GET", "/enveloppes/{settled_envelope}/tour-suivant", {}, frozenset({"coordinator"})),
    ("GET", "/enveloppes/{settled_envelope}/suivi", {}, EVERYONE),
    ("GET", "/enveloppes/{settled_envelope}/donnees/{file}", {}, EVERYONE),
    ("GET", "/enveloppes/{settled_envelope}/donnees/{sheet_file}", {}, EVERYONE),
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
    # Documents (issue 17): `{"file": …}` posts a multipart form with a file made by the test.
    ("GET", "/documents/{receipt_doc}", {}, EVERYONE),
    ("GET", "/documents/{picture_doc}", {}, EVERYONE),
    ("POST", "/rapports/{draft_report}/justificatifs", {"file": "pdf"}, MEMBERS),
    ("POST", "/rapports/{draft_report}/justificatifs/{receipt_doc}/supprimer", {}, MEMBERS),
    ("GET", "/defis/{funded_challenge}/image", {}, MEMBERS),
    ("POST", "/defis/{funded_challenge}/image", {"file": "png"}, MEMBERS),
    ("POST", "/defis/{funded_challenge}/image/supprimer", {}, MEMBERS),
    ("GET", "/lieux/{lieu}/image", {}, frozenset({"lieu_admin"})),
    ("POST", "/lieux/{lieu}/image", {"file": "png"}, frozenset({"lieu_admin"})),
    ("POST", "/lieux/{lieu}/image/supprimer", {}, frozenset({"lieu_admin"})),
    # The people of a lieu and the site admin (issue 17); the rows they act on are made by
    # `_people_names` for these rows only.
    ("GET", "/lieux/{lieu}/personnes", {}, frozenset({"lieu_admin"})),
    (
        "POST",
        "/lieux/{lieu}/personnes/{member_user}/role",
        {"role": "admin"},
        frozenset({"lieu_admin"}),
    ),
    ("POST", "/lieux/{lieu}/personnes/{member_user}/retrait", {}, frozenset({"lieu_admin"})),
    ("POST", "/lieux/{lieu}/quitter", {}, MEMBERS),
    (
        "POST",
        "/lieux/{lieu}/invitations/{lieu_invitation}/annulation",
        {},
        frozenset({"lieu_admin"}),
    ),
    ("POST", "/lieux/{lieu}/invitations/{lieu_invitation}/renvoi", {}, frozenset({"lieu_admin"})),
    ("GET", "/admin/reseaux", {}, frozenset({"site_admin"})),
    ("GET", "/admin/personnes", {}, frozenset({"site_admin"})),
    (
        "POST",
        "/admin/reseaux/{network}/coordinateurs/{coordinator_user}/retrait",
        {},
        frozenset({"site_admin"}),
    ),
    ("POST", "/admin/invitations/{appointment}/annulation", {}, frozenset({"site_admin"})),
    ("POST", "/admin/invitations/{appointment}/renvoi", {}, frozenset({"site_admin"})),
]


async def _people_names(world: World, path: str) -> dict[str, int]:
    """The rows the people routes act on, made only for them: a pending invitation to the lieu
    and a pending appointment, the member's and the coordinator's ids; a second admin where
    the lieu admin leaves, a second coordinator where one is removed (a lieu keeps an admin,
    a network a coordinator)."""
    from cobudget.db.tables import Invitation, User
    from cobudget.services.clock import now
    from cobudget.services.tokens import new_token
    from tests.support import factories

    async def user_id(role: str) -> int:
        rows = await User.select(User.id).where(User.email == world.emails[role])
        return int(rows[0]["id"])

    async def invitation(kind: str, lieu: int | None) -> int:
        moment = now()
        rows = await Invitation.insert(
            Invitation(
                token_hash=new_token()[1],
                kind=kind,
                email="en.attente@exemple.fr",
                network=world.network_id,
                lieu=lieu,
                invited_by=None,
                created_at=moment,
                expires_at=moment + dt.timedelta(days=14),
            )
        ).returning(Invitation.id)
        return int(rows[0]["id"])

    names: dict[str, int] = {}
    if "{member_user}" in path:
        names["member_user"] = await user_id("member")
    if "{lieu_invitation}" in path:
        names["lieu_invitation"] = await invitation("member", world.lieu_id)
    if "{appointment}" in path:
        names["appointment"] = await invitation("coordinator", None)
    if "{coordinator_user}" in path:
        names["coordinator_user"] = await user_id("coordinator")
        second = await factories.make_user("seconde.coordination@exemple.fr", "Seconde")
        await factories.add_coordinator(second, world.network_id)
    if path == "/lieux/{lieu}/quitter":
        await factories.add_member(
            await factories.make_user("second.admin@exemple.fr", "Second"),
            world.lieu_id,
            admin=True,
        )
    return names


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
    "/mon-compte/email/{token:str}",  # the link sent to the new address (test_account)
}


async def _documents(settings: Settings, world: World) -> dict[str, object]:
    """A receipt of the report sent back, a picture of the funded challenge and of the lieu."""
    receipt = await document(
        settings, kind="receipt", content=tiny_pdf(), report=world.draft_report_id
    )
    picture = await document(
        settings,
        kind="challenge_picture",
        content=tiny_png(),
        challenge=world.funded_challenge_id,
    )
    await document(settings, kind="lieu_picture", content=tiny_png(), lieu=world.lieu_id)
    return {"receipt_doc": receipt, "picture_doc": picture}


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
    settings: Settings,
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
        "needs_file": "besoins.csv",
        "sheet_file": "pledges-tableur.csv",
        "needs_sheet": "besoins-tableur.csv",
        "need": world.need_id,
        "other_need": world.other_need_id,
        "number": 1,
        **await _people_names(world, path),
    }
    if "/documents/" in path or "justificatifs" in path or "/image" in path:
        names |= await _documents(settings, world)
    url = path.format(**names)
    data = {key: value.format(**names) for key, value in data.items()}
    before = await _snapshot()
    if method == "GET":
        response = await client.get(url, follow_redirects=False)
    elif "file" in data:
        content = tiny_pdf() if data["file"] == "pdf" else tiny_png()
        response = await client.post(
            url,
            data={"_csrf_token": await csrf_token(client)},
            files={"file": (f"fichier.{data['file']}", content, "application/octet-stream")},
            follow_redirects=False,
        )
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
        .replace("{needs_file}", "{file}")
        .replace("{needs_sheet}", "{file}")
        .replace("{sheet_file}", "{file}")
        .replace("{other_need}", "{need}")
        .replace("{draft_envelope}", "{envelope}")
        .replace("{receipt_doc}", "{document}")
        .replace("{picture_doc}", "{document}")
        .replace("{es_envelope}", "{envelope}")
        .replace("{closed_envelope}", "{envelope}")
        .replace("{settled_envelope}", "{envelope}")
        .replace("{member_user}", "{user}")
        .replace("{coordinator_user}", "{user}")
        .replace("{lieu_invitation}", "{invitation}")
        .replace("{appointment}", "{invitation}")
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
        "{document_id:int}": "{document}",
        "{filename:str}": "{file}",
        "{number:int}": "{number}",
        "{user_id:int}": "{user}",
        "{invitation_id:int}": "{invitation}",
        "{need_id:int}": "{need}",
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
