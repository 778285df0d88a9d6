"""Withdrawing a challenge (issue 17): the proposing lieu's form on the challenge page, a
confirmation step that says what will happen, then the withdrawal."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.response import Redirect, Template

from cobudget.domain.errors import ConfirmationNeeded, InvalidInput
from cobudget.i18n import gettext as _
from cobudget.services import withdrawal
from cobudget.web.confirm import ask_confirmation, is_confirmed
from cobudget.web.forms import ActorDep, Form, PathId, SettingsDep
from cobudget.web.pages.challenges import challenge_page
from cobudget.web.render import form_errors, see_other


@post("/defis/{challenge_id:int}/retrait", name="challenge_withdraw")
async def withdraw(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    challenge_id: PathId,
    data: Form,
) -> Template | Redirect:
    try:
        await withdrawal.withdraw(
            settings,
            actor,
            challenge_id=challenge_id,
            reason=data.get("withdrawal_reason", ""),
            confirmed=is_confirmed(data),
        )
    except ConfirmationNeeded:
        return await ask_confirmation(
            request,
            question=_("Retirer ce défi ?"),
            consequences=[
                _("Le défi reste lisible, marqué « retiré », avec la raison donnée."),
                _("Ses tours de consentement en cours sont clos maintenant."),
                _(
                    "Les contributions qu’il a reçues dans les enveloppes pas encore réglées "
                    "sont libérées, et les lieux qui les avaient données en sont prévenus."
                ),
                _("Ce retrait est définitif."),
            ],
            data=data,
            button=_("Retirer le défi"),
            back=f"/defis/{challenge_id}#retirer",
        )
    except InvalidInput as error:
        return await challenge_page(
            request,
            actor,
            challenge_id,
            status_code=422,
            errors=form_errors(error.fields),
            values={"withdrawal_reason": data.get("withdrawal_reason", "")},
        )
    return see_other(f"/defis/{challenge_id}?ok=withdrawn")


ROUTES = [withdraw]
