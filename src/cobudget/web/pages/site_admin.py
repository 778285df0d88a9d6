"""The site admin's pages (issue 17): every network with its coordinators and pending
appointments (appoint, remove, cancel, resend), and the people of the instance, searched."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from cobudget.domain.errors import ConfirmationNeeded, InvalidInput
from cobudget.i18n import gettext as _
from cobudget.services import coordinators
from cobudget.services.queries import networks as network_queries
from cobudget.services.queries import site_admin as queries
from cobudget.web.confirm import ask_confirmation, is_confirmed
from cobudget.web.forms import ActorDep, Form, PathId, SettingsDep, whole_number
from cobudget.web.render import form_errors, page, see_other


async def networks_page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    *,
    status_code: int = 200,
    errors: dict[int, dict[str, str]] | None = None,
    values: dict[int, dict[str, str]] | None = None,
) -> Template:
    """The list of networks; `errors` and `values` by network id, for its appointment form."""
    return await page(
        request,
        "admin/networks.html",
        status_code=status_code,
        lines=await queries.networks_overview(actor),
        errors=errors or {},
        values=values or {},
        done=request.query_params.get("ok", ""),
    )


@get("/admin/reseaux", name="admin_networks")
async def networks(request: Request[Any, Any, Any], actor: ActorDep) -> Template:
    return await networks_page(request, actor)


@get("/admin/personnes", name="admin_people")
async def people(request: Request[Any, Any, Any], actor: ActorDep) -> Template:
    """`?q=` searches names and emails, `?page=` pages; out of bounds, 422 and the message."""
    query = request.query_params.get("q", "")
    number = request.query_params.get("page", "1")
    try:
        view = await queries.people(
            actor, query=query, page=whole_number(number, maximum=queries.MAX_PAGE) or 0
        )
    except InvalidInput as error:
        view = await queries.people(actor)
        return await page(
            request,
            "admin/people.html",
            status_code=422,
            view=view,
            errors=form_errors(error.fields),
        )
    return await page(request, "admin/people.html", view=view, errors={})


@post("/admin/reseaux/{slug:str}/coordinateurs/{user_id:int}/retrait", name="coordinator_remove")
async def remove_coordinator(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    user_id: PathId,
    data: Form,
) -> Template | Redirect:
    network = await network_queries.network_by_slug(actor, slug)
    try:
        await coordinators.remove_coordinator(
            actor, network_id=network.id, user_id=user_id, confirmed=is_confirmed(data)
        )
    except ConfirmationNeeded:
        return await ask_confirmation(
            request,
            question=_("Retirer cette personne de la coordination du réseau « %(network)s » ?")
            % {"network": network.name},
            consequences=[
                _("Elle perd tout de suite les droits de la coordination sur ce réseau."),
                _("Ce qu’elle a fait reste, dans le journal du réseau."),
            ],
            data=data,
            button=_("Retirer de la coordination"),
            back=f"/admin/reseaux#reseau-{network.id}",
        )
    except InvalidInput as error:
        return await networks_page(
            request, actor, status_code=422, errors={network.id: form_errors(error.fields)}
        )
    return see_other(f"/admin/reseaux?ok=removed#reseau-{network.id}")


@post("/admin/invitations/{invitation_id:int}/annulation", name="appointment_cancel")
async def cancel_appointment(
    request: Request[Any, Any, Any], actor: ActorDep, invitation_id: PathId
) -> Template | Redirect:
    try:
        await coordinators.cancel_appointment(actor, invitation_id=invitation_id)
    except InvalidInput as error:
        return await networks_page(
            request, actor, status_code=422, errors={0: form_errors(error.fields)}
        )
    return see_other("/admin/reseaux?ok=cancelled")


@post("/admin/invitations/{invitation_id:int}/renvoi", name="appointment_resend")
async def resend_appointment(
    request: Request[Any, Any, Any], actor: ActorDep, invitation_id: PathId, settings: SettingsDep
) -> Template | Redirect:
    try:
        await coordinators.resend_appointment(settings, actor, invitation_id=invitation_id)
    except InvalidInput as error:
        return await networks_page(
            request, actor, status_code=422, errors={0: form_errors(error.fields)}
        )
    return see_other("/admin/reseaux?ok=resent")


ROUTES = [networks, people, remove_coordinator, cancel_appointment, resend_appointment]
