"""A confirmation step before an irreversible action (issue 16), without JavaScript: the first
post of the action's form answers with a page that says what will happen and carries the same
fields back with `confirm=1`; only that confirmed post acts. A client that already knows what it
does (the proof script, the tests, a second click) posts `confirm=1` directly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litestar import Request
from litestar.response import Template

from cobudget.i18n import gettext as _
from cobudget.web.render import page

CONFIRM_FIELD = "confirm"
# Fields a form carries that are the request's, not the action's: never copied back.
_NOT_COPIED = frozenset({CONFIRM_FIELD, "_csrf_token", "password"})


def is_confirmed(data: Mapping[str, str]) -> bool:
    return data.get(CONFIRM_FIELD) == "1"


async def ask_confirmation(
    request: Request[Any, Any, Any],
    *,
    question: str,
    consequences: Sequence[str],
    data: Mapping[str, str],
    button: str,
    back: str,
    password_label: str | None = None,
    errors: Mapping[str, str] | None = None,
) -> Template:
    """The « Confirmer … ? » page: what the action will do, a button that posts the same fields
    to the same address with `confirm=1`, and a way back that changes nothing. With
    `password_label`, the page also asks for the person's password (field `password`, never
    copied back), for an action on their own account (deleting it)."""
    return await page(
        request,
        "components/confirm.html",
        status_code=422 if errors else 200,
        password_label=password_label,
        errors=dict(errors or {}),
        question=question,
        consequences=list(consequences),
        action=request.url.path,
        fields=[(name, value) for name, value in data.items() if name not in _NOT_COPIED],
        button=button,
        back=back,
    )


async def ask_to_hide(
    request: Request[Any, Any, Any], *, reason: str, data: Mapping[str, str], back: str
) -> Template:
    """Hiding a comment (in a round or in the discussion) is public and stays: the reason that
    will be read in its place is shown before it is done."""
    return await ask_confirmation(
        request,
        question=_("Masquer cette réaction ?"),
        consequences=[
            _("Son texte n’est plus affiché ; à sa place, chacun lit : « %(reason)s ».")
            % {"reason": reason.strip()},
            _("Le texte reste dans le journal de la coordination."),
        ],
        data=data,
        button=_("Masquer la réaction"),
        back=back,
    )
