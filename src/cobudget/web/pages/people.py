"""The people of a lieu (issue 17): its admins see its members and pending invitations, change
a role, remove someone, cancel or resend an invitation; a member leaves the lieu."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from cobudget.domain.errors import ConfirmationNeeded, InvalidInput
from cobudget.i18n import gettext as _
from cobudget.services import people
from cobudget.services.queries import networks as network_queries
from cobudget.services.queries import people as queries
from cobudget.web.confirm import ask_confirmation, is_confirmed
from cobudget.web.forms import ActorDep, Form, PathId, SettingsDep
from cobudget.web.render import form_errors, page, see_other


async def people_page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
) -> Template:
    view = await queries.lieu_people(actor, slug)
    return await page(
        request,
        "lieux/people.html",
        status_code=status_code,
        view=view,
        errors=errors or {},
        done=request.query_params.get("ok", ""),
    )


@get("/lieux/{slug:str}/personnes", name="lieu_people")
async def people_list(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]
) -> Template:
    return await people_page(request, actor, slug)


async def _act(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: str,
    call: Callable[[int], Awaitable[None]],
    done: str,
) -> Template | Redirect:
    """Run a change of the lieu's people, then back to its page (with what was done); a
    refusal of the rules re-renders the page with its message (422)."""
    lieu = await network_queries.lieu_for_edit(actor, slug)
    try:
        await call(lieu.id)
    except InvalidInput as error:
        return await people_page(
            request, actor, slug, status_code=422, errors=form_errors(error.fields)
        )
    return see_other(f"/lieux/{slug}/personnes?ok={done}")


@post("/lieux/{slug:str}/personnes/{user_id:int}/role", name="lieu_person_role")
async def set_role(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    user_id: PathId,
    data: Form,
) -> Template | Redirect:
    async def call(lieu_id: int) -> None:
        await people.change_role(actor, lieu_id=lieu_id, user_id=user_id, role=data.get("role", ""))

    return await _act(request, actor, slug, call, "role")


@post("/lieux/{slug:str}/personnes/{user_id:int}/retrait", name="lieu_person_remove")
async def remove(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    user_id: PathId,
    data: Form,
) -> Template | Redirect:
    async def call(lieu_id: int) -> None:
        await people.remove(actor, lieu_id=lieu_id, user_id=user_id, confirmed=is_confirmed(data))

    try:
        return await _act(request, actor, slug, call, "removed")
    except ConfirmationNeeded:
        return await ask_confirmation(
            request,
            question=_("Retirer cette personne du lieu ?"),
            consequences=[
                _(
                    "Elle perd tout de suite les droits du lieu : proposer, contribuer, prendre "
                    "position en son nom."
                ),
                _("Ce qu’elle a écrit pour le lieu reste, signé de son nom."),
                _("Pour la faire revenir, il faudra l’inviter à nouveau."),
            ],
            data=data,
            button=_("Retirer du lieu"),
            back=f"/lieux/{slug}/personnes",
        )


@post("/lieux/{slug:str}/quitter", name="lieu_leave")
async def leave(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str], data: Form
) -> Template | Redirect:
    lieu = await network_queries.lieu_for_edit(actor, slug)
    try:
        await people.leave(actor, lieu_id=lieu.id, confirmed=is_confirmed(data))
    except ConfirmationNeeded:
        return await ask_confirmation(
            request,
            question=_("Quitter %(lieu)s ?") % {"lieu": lieu.name},
            consequences=[
                _(
                    "Vous ne pourrez plus agir au nom du lieu : proposer, contribuer, prendre "
                    "position."
                ),
                _("Ce que vous avez écrit pour le lieu reste, signé de votre nom."),
                _("Pour revenir, il faudra qu’une personne qui administre le lieu vous invite."),
            ],
            data=data,
            button=_("Quitter le lieu"),
            back=f"/lieux/{slug}",
        )
    return see_other("/mon-espace")  # the last admin's refusal: the error page (422)


@post("/lieux/{slug:str}/invitations/{invitation_id:int}/annulation", name="lieu_invitation_cancel")
async def cancel_invitation(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str], invitation_id: PathId
) -> Template | Redirect:
    async def call(lieu_id: int) -> None:
        await people.cancel_invitation(actor, lieu_id=lieu_id, invitation_id=invitation_id)

    return await _act(request, actor, slug, call, "cancelled")


@post("/lieux/{slug:str}/invitations/{invitation_id:int}/renvoi", name="lieu_invitation_resend")
async def resend_invitation(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    slug: FromPath[str],
    invitation_id: PathId,
    settings: SettingsDep,
) -> Template | Redirect:
    async def call(lieu_id: int) -> None:
        await people.resend_invitation(
            settings, actor, lieu_id=lieu_id, invitation_id=invitation_id
        )

    return await _act(request, actor, slug, call, "resent")


ROUTES = [people_list, set_role, remove, leave, cancel_invitation, resend_invitation]
