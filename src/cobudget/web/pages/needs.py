"""Needs pages (SPEC §5): a network's needs grouped by theme; a lieu publishes, edits and
archives its needs; another lieu says « nous aussi » or withdraws it; the needs as open data."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template

from cobudget.domain import needs as rules
from cobudget.domain.errors import InvalidInput, NotFound
from cobudget.i18n import gettext as _
from cobudget.services import need_exports, needs
from cobudget.services.queries import needs as queries
from cobudget.services.queries import networks as network_queries
from cobudget.services.queries.networks import LieuPage
from cobudget.web.confirm import ask_confirmation, is_confirmed
from cobudget.web.forms import ActorDep, Form, PathId, form_id
from cobudget.web.pages.exports import SHEET, download
from cobudget.web.pages.public import same_site
from cobudget.web.render import form_errors, page, see_other
from cobudget.web.spreadsheet import to_spreadsheet


def _form(data: dict[str, str]) -> rules.NeedForm:
    return rules.NeedForm(
        title=data.get("title", ""),
        lacks=data.get("lacks", ""),
        commons=data.get("commons", ""),
        min_euros=data.get("min", ""),
        max_euros=data.get("max", ""),
        theme=data.get("theme", ""),
        horizon=data.get("horizon", ""),
    )


@get("/reseaux/{slug:str}/besoins", name="network_needs")
async def network_needs(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    theme: FromQuery[str] = "",
    horizon: FromQuery[str] = "",
) -> Template:
    view = await queries.network_needs(actor, slug, theme=theme[:40], horizon=horizon[:4])
    return await page(
        request,
        "needs/network.html",
        view=view,
        themes=list(rules.Theme),
        horizons=rules.HORIZONS,
        ok=request.query_params.get("ok", ""),
    )


async def _form_page(
    request: Request[Any, Any, Any],
    *,
    lieu: LieuPage,
    action: str,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    editing: bool = False,
) -> Template:
    return await page(
        request,
        "needs/form.html",
        status_code=status_code,
        lieu=lieu,
        action=action,
        values=values,
        errors=errors or {},
        themes=list(rules.Theme),
        horizons=rules.HORIZONS,
        editing=editing,
    )


async def _writable_lieu(actor: ActorDep, slug: str) -> LieuPage:
    """The lieu's page, if the actor may publish its needs (in its first network it reads)."""
    lieu = await network_queries.lieu_page(actor, slug)
    network_id = lieu.networks[0].id if lieu.networks else 0
    await needs.require_writer(actor, network_id=network_id, lieu_id=lieu.lieu.id)
    return lieu


@get("/lieux/{slug:str}/besoins/nouveau", name="need_new")
async def new_form(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]
) -> Template:
    lieu = await _writable_lieu(actor, slug)
    return await _form_page(
        request,
        lieu=lieu,
        action=f"/lieux/{slug}/besoins/nouveau",
        values={"network": str(lieu.networks[0].id), "horizon": "2"},
    )


@post("/lieux/{slug:str}/besoins/nouveau")
async def new(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str], data: Form
) -> Template | Redirect:
    lieu = await _writable_lieu(actor, slug)
    try:
        await needs.publish(
            actor,
            network_id=form_id(data.get("network")) or lieu.networks[0].id,
            lieu_id=lieu.lieu.id,
            form=_form(data),
        )
    except InvalidInput as error:
        return await _form_page(
            request,
            lieu=lieu,
            action=f"/lieux/{slug}/besoins/nouveau",
            values=data,
            errors=form_errors(error.fields),
            status_code=422,
        )
    return see_other(f"/lieux/{slug}?ok=need#besoins")


@get("/besoins/{need_id:int}/modifier", name="need_edit")
async def edit_form(request: Request[Any, Any, Any], actor: ActorDep, need_id: PathId) -> Template:
    need = await queries.need_for_edit(actor, need_id)
    lieu = await network_queries.lieu_page(actor, need.lieu.slug)
    return await _form_page(
        request,
        lieu=lieu,
        action=f"/besoins/{need_id}/modifier",
        values=queries.form_values(need),
        editing=True,
    )


@post("/besoins/{need_id:int}/modifier")
async def edit(
    request: Request[Any, Any, Any], actor: ActorDep, need_id: PathId, data: Form
) -> Template | Redirect:
    need = await queries.need_for_edit(actor, need_id)
    try:
        await needs.edit(actor, need_id=need_id, form=_form(data))
    except InvalidInput as error:
        return await _form_page(
            request,
            lieu=await network_queries.lieu_page(actor, need.lieu.slug),
            action=f"/besoins/{need_id}/modifier",
            values=data,
            errors=form_errors(error.fields),
            status_code=422,
            editing=True,
        )
    return see_other(f"/lieux/{need.lieu.slug}?ok=need#besoin-{need_id}")


@post("/besoins/{need_id:int}/archiver", name="need_archive")
async def archive(
    request: Request[Any, Any, Any], actor: ActorDep, need_id: PathId, data: Form
) -> Template | Redirect:
    need = await queries.need_for_edit(actor, need_id)
    if not is_confirmed(data):
        return await ask_confirmation(
            request,
            question=_("Archiver le besoin « %(title)s » ?") % {"title": need.title},
            consequences=[
                _("Il n’apparaît plus sur la page du lieu ni sur celle des besoins du réseau."),
                _("Il reste dans les données ouvertes du réseau, avec sa date d’archivage."),
            ],
            data=data,
            button=_("Archiver le besoin"),
            back=f"/lieux/{need.lieu.slug}#besoin-{need_id}",
        )
    await needs.archive(actor, need_id=need_id)
    return see_other(f"/lieux/{need.lieu.slug}?ok=need_archived#besoins")


def _back(data: dict[str, str], need_id: int) -> str:
    """Back to the page the form was on (a path of this site), at the need."""
    return f"{same_site(data.get('back', '/')[:300]).partition('#')[0]}#besoin-{need_id}"


@post("/besoins/{need_id:int}/nous-aussi", name="need_join")
async def join(actor: ActorDep, need_id: PathId, data: Form) -> Redirect:
    await needs.join(actor, need_id=need_id, lieu_id=form_id(data.get("lieu")))
    return see_other(_back(data, need_id))


@post("/besoins/{need_id:int}/nous-aussi/retirer", name="need_leave")
async def leave(actor: ActorDep, need_id: PathId, data: Form) -> Redirect:
    await needs.leave(actor, need_id=need_id, lieu_id=form_id(data.get("lieu")))
    return see_other(_back(data, need_id))


@get("/reseaux/{slug:str}/donnees/{filename:str}", name="network_export")
async def export(actor: ActorDep, slug: FromPath[str], filename: FromPath[str]) -> Response[bytes]:
    """`besoins.csv`, `besoins.json`: every need of the network, archived ones included;
    `besoins-tableur.csv`, the same for a spreadsheet (web/spreadsheet.py)."""
    name, _dot, extension = filename.rpartition(".")
    if filename not in ("besoins.csv", "besoins.json", f"besoins{SHEET}.csv"):
        raise NotFound("export", filename)
    rows = await need_exports.rows(actor, slug)
    if name != "besoins":
        body = to_spreadsheet(need_exports.COLUMNS, rows)
    elif extension == "csv":
        body = need_exports.to_csv(rows)
    else:
        body = need_exports.to_json(rows)
    return download(body, f"{slug}-{filename}", extension)


ROUTES = [network_needs, new_form, new, edit_form, edit, archive, join, leave, export]
