"""Site administration: create a network, appoint its coordinators."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Action, Target, require
from cobudget.services import networks
from cobudget.services.queries import networks as queries
from cobudget.web.forms import ActorDep, Form, SettingsDep
from cobudget.web.render import form_errors, page, see_other


@get("/admin/reseaux/nouveau", name="network_new")
async def network_new_form(request: Request[Any, Any, Any], actor: ActorDep) -> Template:
    require(actor, Action.NETWORK_CREATE, Target())
    return await page(request, "admin/network_new.html", errors={}, values={"is_public": "on"})


@post("/admin/reseaux/nouveau")
async def network_new(
    request: Request[Any, Any, Any], actor: ActorDep, data: Form
) -> Template | Redirect:
    try:
        slug = await networks.create_network(
            actor,
            name=data.get("name", ""),
            region=data.get("region", ""),
            description=data.get("description", ""),
            is_public=data.get("is_public") == "on",
        )
    except InvalidInput as error:
        return await page(
            request,
            "admin/network_new.html",
            status_code=422,
            errors=form_errors(error.fields),
            values=data,
        )
    return see_other(f"/reseaux/{slug}/gerer")


@post("/reseaux/{slug:str}/coordinateurs", name="appoint_coordinator")
async def appoint(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    data: Form,
    settings: SettingsDep,
) -> Template | Redirect:
    network = await queries.network_by_slug(actor, slug)
    try:
        await networks.appoint_coordinator(
            settings, actor, network_id=network.id, email=data.get("email", "")
        )
    except InvalidInput as error:
        if data.get("from") == "admin":  # the site admin's list of networks
            from cobudget.web.pages.site_admin import networks_page

            return await networks_page(
                request,
                actor,
                status_code=422,
                errors={network.id: form_errors(error.fields)},
                values={network.id: data},
            )
        from cobudget.web.pages.coordination import dashboard_page

        return await dashboard_page(
            request,
            actor,
            slug,
            status_code=422,
            coordinator_errors=form_errors(error.fields),
            coordinator_values=data,
        )
    if data.get("from") == "admin":
        return see_other(f"/admin/reseaux?ok=appointed#reseau-{network.id}")
    return see_other(f"/reseaux/{slug}/gerer?ok=coordinator")


ROUTES = [network_new_form, network_new, appoint]
