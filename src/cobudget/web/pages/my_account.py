"""A person's own account (issue 17): one page with a section per thing they change (name,
email, password, language), their data to download, and deleting the account; and the link of
an email change, which asks before it acts (mail scanners open links)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from cobudget.domain.errors import ConfirmationNeeded, InvalidInput, LoginRequired
from cobudget.i18n import gettext as _
from cobudget.services import account_deletion, email_change, my_account
from cobudget.services.queries.account_data import account_data
from cobudget.settings import Settings
from cobudget.web.confirm import ask_confirmation, is_confirmed
from cobudget.web.context import LOCALE_COOKIE, SESSION_COOKIE
from cobudget.web.forms import ActorDep, Form, SettingsDep
from cobudget.web.render import form_errors, page, see_other

PAGE = "/mon-compte"
# The sections a saved change is announced in, by the `ok` of the address.
SAVED = ("name", "email", "password", "language")


async def _page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    if actor.user_id is None:
        raise LoginRequired("account.read")
    person = await my_account.profile(actor.user_id)
    if person is None:
        raise LoginRequired("account.read")
    saved = request.query_params.get("ok")
    return await page(
        request,
        "account/my_account.html",
        status_code=status_code,
        person=person,
        values={"name": person.name, "locale": person.locale} | (values or {}),
        errors=errors or {},
        saved=saved if saved in SAVED else None,
    )


async def _refused(
    request: Request[Any, Any, Any], actor: ActorDep, error: InvalidInput, values: dict[str, str]
) -> Template:
    return await _page(
        request, actor, status_code=422, errors=form_errors(error.fields), values=values
    )


@get(PAGE, name="my_account")
async def my_account_page(request: Request[Any, Any, Any], actor: ActorDep) -> Template:
    return await _page(request, actor)


@post(f"{PAGE}/nom", name="my_account_name")
async def change_name(
    request: Request[Any, Any, Any], actor: ActorDep, data: Form
) -> Template | Redirect:
    try:
        await my_account.change_name(actor, data.get("name"))
    except InvalidInput as error:
        return await _refused(request, actor, error, {"name": data.get("name", "")})
    return see_other(f"{PAGE}?ok=name#nom")


@post(f"{PAGE}/email", name="my_account_email")
async def change_email(
    request: Request[Any, Any, Any], actor: ActorDep, data: Form, settings: SettingsDep
) -> Template | Redirect:
    try:
        await email_change.request(
            actor,
            base_url=settings.base_url,
            new_email=data.get("new_email"),
            password=data.get("email_password"),
        )
    except InvalidInput as error:
        return await _refused(request, actor, error, {"new_email": data.get("new_email", "")})
    return see_other(f"{PAGE}?ok=email#email")


@post(f"{PAGE}/mot-de-passe", name="my_account_password")
async def change_password(
    request: Request[Any, Any, Any], actor: ActorDep, data: Form
) -> Template | Redirect:
    try:
        await my_account.change_password(
            actor,
            current=data.get("current_password"),
            password=data.get("password"),
            confirmation=data.get("password_confirmation"),
            session_token=request.cookies.get(SESSION_COOKIE),
        )
    except InvalidInput as error:
        return await _refused(request, actor, error, {})
    return see_other(f"{PAGE}?ok=password#mot-de-passe")


@post(f"{PAGE}/langue", name="my_account_language")
async def change_language(
    request: Request[Any, Any, Any], actor: ActorDep, data: Form, settings: SettingsDep
) -> Template | Redirect:
    try:
        locale = await my_account.change_language(actor, data.get("locale"))
    except InvalidInput as error:
        return await _refused(request, actor, error, {})
    response = see_other(f"{PAGE}?ok=language#langue")
    _set_locale_cookie(response, settings, locale)
    return response


def _set_locale_cookie(response: Redirect, settings: Settings, locale: str) -> None:
    response.set_cookie(
        LOCALE_COOKIE, locale, max_age=365 * 24 * 3600, samesite="lax", secure=settings.https
    )


@get(f"{PAGE}/donnees", name="my_account_data")
async def download_data(actor: ActorDep) -> Response[bytes]:
    """RGPD article 20: everything kept about the person, as a JSON file, for them alone."""
    return Response(
        await account_data(actor),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="mes-donnees-cobudget.json"',
            "Cache-Control": "no-store",
        },
    )


@post(f"{PAGE}/supprimer", name="my_account_delete")
async def delete(
    request: Request[Any, Any, Any], actor: ActorDep, data: Form
) -> Template | Redirect:
    try:
        await account_deletion.delete_account(
            actor, password=data.get("password"), confirmed=is_confirmed(data)
        )
    except ConfirmationNeeded:
        return await _ask_to_delete(request, data, {})
    except InvalidInput as error:
        return await _ask_to_delete(request, data, form_errors(error.fields))
    response = see_other("/")
    response.delete_cookie(SESSION_COOKIE)
    return response


async def _ask_to_delete(
    request: Request[Any, Any, Any], data: dict[str, str], errors: dict[str, str]
) -> Template:
    return await ask_confirmation(
        request,
        question=_("Supprimer votre compte ?"),
        consequences=[
            _(
                "Votre nom, votre adresse e-mail et votre mot de passe sont effacés ; vous ne "
                "pourrez plus vous connecter."
            ),
            _(
                "Vos rôles dans les lieux, les réseaux et les organisations, vos notifications "
                "et vos invitations en attente disparaissent."
            ),
            _(
                "Ce que vous avez écrit reste public, signé « ancien membre » : commentaires, "
                "questions, réponses, positions, défis et comptes rendus."
            ),
            _(
                "Ce n’est pas réversible. Téléchargez d’abord vos données si vous voulez les "
                "garder."
            ),
        ],
        data=data,
        button=_("Supprimer définitivement mon compte"),
        back=f"{PAGE}#supprimer",
        password_label=_("Votre mot de passe, pour confirmer"),
        errors=errors,
    )


@get(f"{PAGE}/email/{{token:str}}", name="email_change")
async def email_change_link(request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
    change = await email_change.describe(token)
    return await page(
        request,
        "account/email_change.html",
        status_code=200 if change else 404,
        change=change,
        token=token,
        errors={},
        done=False,
    )


@post(f"{PAGE}/email/{{token:str}}", name="email_change_confirm")
async def email_change_confirm(request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
    """The link's button: no login needed, the link sent to the new address is the proof."""
    try:
        await email_change.confirm(token)
    except InvalidInput as error:
        return await page(
            request,
            "account/email_change.html",
            status_code=422,
            change=None,
            token=token,
            errors=form_errors(error.fields),
            done=False,
        )
    return await page(
        request, "account/email_change.html", change=None, token=token, errors={}, done=True
    )


ROUTES = [
    my_account_page,
    change_name,
    change_email,
    change_password,
    change_language,
    download_data,
    delete,
    email_change_link,
    email_change_confirm,
]
