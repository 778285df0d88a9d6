"""The coordinators' pages of a network: dashboard, invite lieux and co-funders, lieu status,
audit log."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Action, Target, decide, require
from cobudget.domain.validation import CofunderKind, LegalForm
from cobudget.i18n import gettext as _
from cobudget.services import cofunders, lieux
from cobudget.services.queries import journal as journal_queries
from cobudget.services.queries import my_space
from cobudget.services.queries import networks as queries
from cobudget.services.queries.journal import JournalQuery
from cobudget.web import journal, journal_params
from cobudget.web.forms import ActorDep, Form, PathId, SettingsDep
from cobudget.web.render import form_errors, page, see_other


async def dashboard_page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    *,
    status_code: int = 200,
    **extra: Any,
) -> Template:
    network = await queries.network_by_slug(actor, slug)
    target = Target(network_id=network.id, network_is_public=network.is_public)
    can_manage = decide(actor, Action.NETWORK_MANAGE, target).allowed
    can_appoint = decide(actor, Action.COORDINATOR_APPOINT, target).allowed
    if not (can_manage or can_appoint):
        require(actor, Action.NETWORK_MANAGE, target)
    view = await queries.network_view(network)
    context: dict[str, Any] = {
        "view": view,
        "desk": await my_space.network_desk(network.id) if can_manage else None,
        "invitations": await queries.pending_invitations(actor, network.id) if can_manage else [],
        "can_manage": can_manage,
        "can_appoint": can_appoint,
        "legal_forms": list(LegalForm),
        "coordinator_errors": {},
        "coordinator_values": {},
        "ok": request.query_params.get("ok", ""),
    }
    context.update(extra)
    return await page(request, "coordination/dashboard.html", status_code=status_code, **context)


@get("/reseaux/{slug:str}/gerer", name="network_manage")
async def dashboard(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]
) -> Template:
    return await dashboard_page(request, actor, slug)


async def _invite_lieu_page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    network = await queries.network_by_slug(actor, slug)
    require(actor, Action.LIEU_INVITE, Target(network_id=network.id))
    return await page(
        request,
        "coordination/invite_lieu.html",
        status_code=status_code,
        network=network,
        legal_forms=list(LegalForm),
        errors=errors or {},
        values=values or {"weight": "1", "legal_form": "association"},
    )


@get("/reseaux/{slug:str}/lieux/inviter", name="invite_lieu")
async def invite_lieu_form(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]
) -> Template:
    return await _invite_lieu_page(request, actor, slug)


@post("/reseaux/{slug:str}/lieux/inviter")
async def invite_lieu(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    data: Form,
    settings: SettingsDep,
) -> Template | Redirect:
    network = await queries.network_by_slug(actor, slug)
    try:
        await lieux.invite_lieu(
            settings,
            actor,
            network_id=network.id,
            name=data.get("name", ""),
            town=data.get("town", ""),
            legal_form=data.get("legal_form", ""),
            territory=data.get("territory", ""),
            description=data.get("description", ""),
            email=data.get("email", ""),
            weight=data.get("weight", "1"),
        )
    except InvalidInput as error:
        return await _invite_lieu_page(
            request, actor, slug, status_code=422, errors=form_errors(error.fields), values=data
        )
    return see_other(f"/reseaux/{slug}/gerer?ok=lieu")


@post("/reseaux/{slug:str}/lieux/{lieu_id:int}/statut", name="lieu_status")
async def lieu_status(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    lieu_id: PathId,
    data: Form,
) -> Template | Redirect:
    network = await queries.network_by_slug(actor, slug)
    try:
        await lieux.set_lieu_status(
            actor,
            network_id=network.id,
            lieu_id=lieu_id,
            legal_form=data.get("legal_form", ""),
            territory=data.get("territory", ""),
            weight=data.get("weight", ""),
        )
    except InvalidInput as error:
        return await dashboard_page(
            request,
            actor,
            slug,
            status_code=422,
            status_errors={lieu_id: form_errors(error.fields)},
        )
    return see_other(f"/reseaux/{slug}/gerer?ok=status#lieu-{lieu_id}")


async def _invite_cofunder_page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    network = await queries.network_by_slug(actor, slug)
    require(actor, Action.COFUNDER_INVITE, Target(network_id=network.id))
    return await page(
        request,
        "coordination/invite_cofunder.html",
        status_code=status_code,
        network=network,
        kinds=list(CofunderKind),
        errors=errors or {},
        values=values or {"kind": "collectivite"},
    )


@get("/reseaux/{slug:str}/cofinanceurs/inviter", name="invite_cofunder")
async def invite_cofunder_form(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]
) -> Template:
    return await _invite_cofunder_page(request, actor, slug)


@post("/reseaux/{slug:str}/cofinanceurs/inviter")
async def invite_cofunder(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    data: Form,
    settings: SettingsDep,
) -> Template | Redirect:
    network = await queries.network_by_slug(actor, slug)
    try:
        await cofunders.invite_cofunder(
            settings,
            actor,
            network_id=network.id,
            name=data.get("name", ""),
            kind=data.get("kind", ""),
            description=data.get("description", ""),
            email=data.get("email", ""),
        )
    except InvalidInput as error:
        return await _invite_cofunder_page(
            request, actor, slug, status_code=422, errors=form_errors(error.fields), values=data
        )
    return see_other(f"/reseaux/{slug}/gerer?ok=cofunder")


@get("/reseaux/{slug:str}/journal", name="audit_log")
async def audit(request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]) -> Template:
    """The journal in sentences, filtered by kind, person and dates (web/journal_params.py); a
    wrong filter is said next to its field and the whole journal shows instead."""
    network = await queries.network_by_slug(actor, slug)
    require(actor, Action.NETWORK_MANAGE, Target(network_id=network.id))
    values = journal_params.asked(request.query_params)
    errors: dict[str, str] = {}
    try:
        query = journal_params.journal_query(request.query_params)
    except InvalidInput as error:
        errors, values, query = form_errors(error.fields), {}, JournalQuery()
    found = await journal_queries.journal(actor, network.id, query)
    path = request.url.path
    return await page(
        request,
        "coordination/audit.html",
        status_code=422 if errors else 200,
        network=network,
        entries=[journal.entry(line, found.names) for line in found.lines],
        kinds=[("", _("Tout")), *journal.families().items()],
        people=[("", _("Tout le monde")), *((str(p.id), p.name) for p in found.people)],
        values=values if not errors else dict(request.query_params),
        errors=errors,
        filtered=bool(values),
        previous=journal_params.page_link(path, values, query.page - 1) if query.page > 1 else "",
        next=journal_params.page_link(path, values, query.page + 1) if found.has_next else "",
    )


ROUTES = [
    dashboard,
    invite_lieu_form,
    invite_lieu,
    lieu_status,
    invite_cofunder_form,
    invite_cofunder,
    audit,
]
