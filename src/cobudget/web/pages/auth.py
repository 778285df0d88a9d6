"""Log in and out, forgotten password, and accepting an invitation (which is how one signs up)."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from cobudget.domain.errors import InvalidInput
from cobudget.services import accounts, devices, invitations, sessions
from cobudget.settings import Settings
from cobudget.web.context import LOCALE_COOKIE, SESSION_COOKIE, client_address
from cobudget.web.forms import ActorDep, Form, SettingsDep
from cobudget.web.render import form_errors, page, see_other

DEVICE_COOKIE = "cobudget_device"
DEVICE_MAX_AGE_SECONDS = 365 * 24 * 3600


def _logged_in(settings: Settings, token: str, target: str = "/mon-espace") -> Redirect:
    response = see_other(target)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )
    return response


@get("/connexion", name="login")
async def login_form(request: Request) -> Template:  # type: ignore[type-arg]
    return await page(request, "auth/login.html", errors={}, values={})


@post("/connexion")
async def login(request: Request, data: Form, settings: SettingsDep) -> Template | Redirect:  # type: ignore[type-arg]
    email = data.get("email", "")
    try:
        user_id = await accounts.authenticate(
            settings,
            email=email,
            password=data.get("password", ""),
            address=client_address(request, settings),
            device=request.cookies.get(DEVICE_COOKIE),
        )
    except InvalidInput as error:
        return await page(
            request,
            "auth/login.html",
            status_code=422,
            errors=form_errors(error.fields),
            values={"email": data.get("email", "")},
        )
    response = _logged_in(
        settings, await sessions.open_session(user_id, settings.session_max_age_seconds)
    )
    if LOCALE_COOKIE not in request.cookies:
        # A browser that never chose a language shows the one kept on the account.
        response.set_cookie(
            LOCALE_COOKIE,
            await accounts.locale_of(user_id),
            max_age=365 * 24 * 3600,
            samesite="lax",
            secure=settings.https,
        )
    # This browser is known to this account from now on (services/devices.py).
    response.set_cookie(
        DEVICE_COOKIE,
        devices.device_token(settings.secret_key, email.strip().lower()),
        max_age=DEVICE_MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=settings.https,
    )
    return response


@post("/deconnexion", name="logout")
async def logout(request: Request) -> Redirect:  # type: ignore[type-arg]
    await sessions.close_session(request.cookies.get(SESSION_COOKIE))
    response = see_other("/")
    response.delete_cookie(SESSION_COOKIE)
    return response


@get("/mot-de-passe-oublie", name="forgot_password")
async def forgot_form(request: Request) -> Template:  # type: ignore[type-arg]
    return await page(request, "auth/forgot.html", errors={}, values={}, sent=False)


@post("/mot-de-passe-oublie")
async def forgot(request: Request, data: Form, settings: SettingsDep) -> Template:  # type: ignore[type-arg]
    try:
        await accounts.request_password_reset(
            settings, email=data.get("email", ""), address=client_address(request, settings)
        )
    except InvalidInput as error:
        return await page(
            request,
            "auth/forgot.html",
            status_code=422,
            sent=False,
            errors=form_errors(error.fields),
            values=data,
        )
    return await page(request, "auth/forgot.html", errors={}, values={}, sent=True)


@get("/mot-de-passe/{token:str}", name="reset_password")
async def reset_form(request: Request, token: FromPath[str]) -> Template:  # type: ignore[type-arg]
    return await page(request, "auth/reset.html", token=token, errors={})


@post("/mot-de-passe/{token:str}")
async def reset(
    request: Request,  # type: ignore[type-arg]
    token: FromPath[str],
    data: Form,
    settings: SettingsDep,
) -> Template | Redirect:
    try:
        user_id = await accounts.reset_password(
            settings,
            token=token,
            password=data.get("password", ""),
            confirmation=data.get("password_confirmation", ""),
            address=client_address(request, settings),
        )
    except InvalidInput as error:
        return await page(
            request,
            "auth/reset.html",
            status_code=422,
            token=token,
            errors=form_errors(error.fields),
        )
    return _logged_in(
        settings, await sessions.open_session(user_id, settings.session_max_age_seconds)
    )


@get("/invitations/{token:str}", name="invitation")
async def invitation_form(request: Request, token: FromPath[str]) -> Template:  # type: ignore[type-arg]
    view = await invitations.describe(token)
    return await page(
        request, "auth/invitation.html", token=token, invitation=view, errors={}, values={}
    )


@post("/invitations/{token:str}")
async def accept_invitation(
    request: Request,  # type: ignore[type-arg]
    token: FromPath[str],
    data: Form,
    actor: ActorDep,
    settings: SettingsDep,
) -> Template | Redirect:
    try:
        user_id = await invitations.accept(
            settings,
            actor,
            token=token,
            address=client_address(request, settings),
            name=data.get("name"),
            password=data.get("password"),
            confirmation=data.get("password_confirmation"),
        )
    except InvalidInput as error:
        view = await invitations.describe(token)
        return await page(
            request,
            "auth/invitation.html",
            status_code=422,
            token=token,
            invitation=view,
            errors=form_errors(error.fields),
            values={"name": data.get("name", "")},
        )
    return _logged_in(
        settings, await sessions.open_session(user_id, settings.session_max_age_seconds)
    )


ROUTES = [
    login_form,
    login,
    logout,
    forgot_form,
    forgot,
    reset_form,
    reset,
    invitation_form,
    accept_invitation,
]
