"""A lieu admin's pages: edit the lieu's profile, invite people to the lieu."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Action, Target, require
from cobudget.services import lieux
from cobudget.services.queries import networks as queries
from cobudget.services.queries.networks import LieuProfile
from cobudget.web.forms import ActorDep, Form, SettingsDep
from cobudget.web.render import form_errors, page, see_other


async def _lieu_or_refuse(actor: ActorDep, slug: FromPath[str], action: Action) -> LieuProfile:
    lieu = await queries.lieu_for_edit(actor, slug)
    require(actor, action, Target(lieu_id=lieu.id, lieu_network_ids=lieu.network_ids))
    return lieu


@get("/lieux/{slug:str}/modifier", name="lieu_edit")
async def edit_form(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]
) -> Template:
    lieu = await _lieu_or_refuse(actor, slug, Action.LIEU_EDIT_PROFILE)
    return await page(request, "lieux/edit.html", lieu=lieu, errors={}, values=lieu.form_values())


@post("/lieux/{slug:str}/modifier")
async def edit(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str], data: Form
) -> Template | Redirect:
    lieu = await queries.lieu_for_edit(actor, slug)
    try:
        await lieux.edit_profile(
            actor,
            lieu_id=lieu.id,
            name=data.get("name", ""),
            town=data.get("town", ""),
            description=data.get("description", ""),
            website=data.get("website", ""),
            territory=data.get("territory", ""),
            address=data.get("address", ""),
            contact_email=data.get("contact_email", ""),
            contact_phone=data.get("contact_phone", ""),
        )
    except InvalidInput as error:
        return await page(
            request,
            "lieux/edit.html",
            status_code=422,
            lieu=lieu,
            errors=form_errors(error.fields),
            values=data,
        )
    return see_other(f"/lieux/{slug}")


@get("/lieux/{slug:str}/personnes/inviter", name="invite_person")
async def invite_form(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]
) -> Template:
    lieu = await _lieu_or_refuse(actor, slug, Action.PERSON_INVITE)
    return await page(
        request, "lieux/invite_person.html", lieu=lieu, errors={}, values={}, sent=False
    )


@post("/lieux/{slug:str}/personnes/inviter")
async def invite(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    data: Form,
    settings: SettingsDep,
) -> Template:
    lieu = await queries.lieu_for_edit(actor, slug)
    try:
        await lieux.invite_person(
            settings,
            actor,
            lieu_id=lieu.id,
            email=data.get("email", ""),
            as_admin=data.get("as_admin") == "on",
        )
    except InvalidInput as error:
        return await page(
            request,
            "lieux/invite_person.html",
            status_code=422,
            lieu=lieu,
            errors=form_errors(error.fields),
            values=data,
            sent=False,
        )
    return await page(
        request,
        "lieux/invite_person.html",
        lieu=lieu,
        errors={},
        values={},
        sent=True,
        sent_to=data.get("email", ""),
    )


ROUTES = [edit_form, edit, invite_form, invite]
