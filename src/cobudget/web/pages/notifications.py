"""A person's notifications and what they receive by email (issue 16), and the one-click
unsubscribe of a notification email, which needs no login: its signed token is the proof."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from cobudget.domain.errors import InvalidInput, LoginRequired
from cobudget.services import notifications
from cobudget.services.queries.notifications import recent_notifications
from cobudget.web.forms import ActorDep, Form, SettingsDep
from cobudget.web.render import form_errors, page, see_other

PAGE = notifications.PREFERENCES_PATH


async def _page(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    if not actor.is_authenticated:
        raise LoginRequired("notifications.read")
    chosen = await notifications.preferences(actor)
    return await page(
        request,
        "account/notifications.html",
        status_code=status_code,
        notifications=await recent_notifications(actor, limit=100),
        kinds=list(chosen),
        values={f"mode.{kind}": mode for kind, mode in chosen.items()} | (values or {}),
        errors=errors or {},
        saved=request.query_params.get("ok") == "1",
    )


@get(PAGE, name="my_notifications")
async def my_notifications(request: Request[Any, Any, Any], actor: ActorDep) -> Template:
    return await _page(request, actor)


@post(PAGE, name="my_notifications_save")
async def save(request: Request[Any, Any, Any], actor: ActorDep, data: Form) -> Template | Redirect:
    choices = {name.removeprefix("mode."): value for name, value in data.items()}
    try:
        await notifications.set_preferences(actor, choices)
    except InvalidInput as error:
        return await _page(
            request, actor, status_code=422, errors=form_errors(error.fields), values=data
        )
    return see_other(f"{PAGE}?ok=1#preferences")


@get("/desabonnement/{token:str}", name="unsubscribe")
async def unsubscribe_link(
    request: Request[Any, Any, Any], settings: SettingsDep, token: FromPath[str]
) -> Template:
    """The link in the email asks before it acts: mail scanners open links on their own, and
    one must not unsubscribe anyone. One button, no login (the signed token is the proof)."""
    _user_id, kind = notifications.read_token(settings, token)
    return await page(request, "account/unsubscribe.html", kind=kind, token=token)


@post(
    "/desabonnement/{token:str}",
    name="unsubscribe_one_click",
    status_code=200,
    exclude_from_csrf=True,
)
async def unsubscribe_one_click(
    request: Request[Any, Any, Any], settings: SettingsDep, token: FromPath[str], data: Form
) -> Response[bytes] | Template:
    """RFC 8058: the mail client posts `List-Unsubscribe=One-Click` and gets no page; the
    button of the link's page gets the page that says it is done. No login and no CSRF token
    either way: the signed token is the proof, and the write only ever stops emails."""
    kind = await notifications.unsubscribe(settings, token)
    if data.get("List-Unsubscribe") == "One-Click":
        return Response(b"", status_code=200, media_type="text/plain")
    return await page(request, "account/unsubscribed.html", kind=kind)


ROUTES = [my_notifications, save, unsubscribe_link, unsubscribe_one_click]
