"""Consent rounds on a challenge page: open, close, extend (coordinators); take or withdraw a
position, ask a question, comment (lieux); answer (proposers); hide a comment (coordinators);
the network's criteria and quorum. Every form works without JavaScript (303 back to the
challenge); with htmx the diagnosis section is swapped in place (hx-select)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from cobudget.domain.errors import ConfirmationNeeded, InvalidInput
from cobudget.domain.permissions import Actor
from cobudget.domain.validation import Checker
from cobudget.i18n import gettext as _
from cobudget.services import rounds
from cobudget.services.queries import networks as network_queries
from cobudget.web.confirm import ask_confirmation, ask_to_hide, is_confirmed
from cobudget.web.forms import ActorDep, Form, PathId, SettingsDep, whole_number
from cobudget.web.pages.challenges import challenge_page
from cobudget.web.render import form_errors, page, see_other

TIME_ZONE = "Europe/Paris"


def _deadline(data: dict[str, str], field: str = "deadline") -> dt.datetime:
    """The deadline typed (Paris time); a missing or bad one is refused on `field`."""
    checker = Checker()
    deadline = checker.local_datetime(field, data.get("deadline"), TIME_ZONE)
    checker.raise_if_any()
    assert deadline is not None  # a missing or bad deadline was refused above
    return deadline


async def _back(
    request: Request[Any, Any, Any],
    actor: Actor,
    challenge_id: int,
    call: Callable[[], Awaitable[None]],
    values: dict[str, str] | None = None,
) -> Template | Redirect:
    """Run the use case; on bad input show the challenge page again with the messages, and
    the `values` typed in the form refused."""
    try:
        await call()
    except InvalidInput as error:
        return await challenge_page(
            request,
            actor,
            challenge_id,
            status_code=422,
            errors=form_errors(error.fields),
            values=values,
        )
    return see_other(f"/defis/{challenge_id}#tour")


@post("/defis/{challenge_id:int}/tours", name="round_open")
async def open_round(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    challenge_id: PathId,
    data: Form,
) -> Template | Redirect:
    async def call() -> None:
        await rounds.open_round(
            settings, actor, challenge_id=challenge_id, deadline=_deadline(data)
        )

    return await _back(
        request, actor, challenge_id, call, values={"deadline": data.get("deadline", "")}
    )


@post("/tours/{round_id:int}/cloture", name="round_close")
async def close_round(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    round_id: PathId,
    data: Form,
) -> Template | Redirect:
    """Closing early decides the round on the positions already taken: confirmed first."""
    challenge_id = await rounds.challenge_of_round(round_id)
    try:
        await rounds.close_round(settings, actor, round_id=round_id, confirmed=is_confirmed(data))
    except ConfirmationNeeded:
        return await ask_confirmation(
            request,
            question=_("Clore ce tour de consentement maintenant ?"),
            consequences=[
                _("Plus aucun lieu ne pourra prendre position ni poser de question dans ce tour."),
                _(
                    "Son issue se lit des positions déjà prises : consentement, à amender, "
                    "ou quorum non atteint."
                ),
                _("Un tour clos sans quorum peut être prolongé ; sinon rien ne se défait."),
            ],
            data=data,
            button=_("Clore le tour"),
            back=f"/defis/{challenge_id}#tour",
        )
    return see_other(f"/defis/{challenge_id}#tour")


@post("/tours/{round_id:int}/prolongation", name="round_extend")
async def extend_round(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    round_id: PathId,
    data: Form,
) -> Template | Redirect:
    """Move the deadline later, or earlier with notice (the people of the network are told)."""

    async def call() -> None:
        await rounds.extend_round(
            settings, actor, round_id=round_id, deadline=_deadline(data, "round_deadline")
        )

    return await _back(
        request,
        actor,
        await rounds.challenge_of_round(round_id),
        call,
        values={"round_deadline": data.get("deadline", "")},
    )


@post("/tours/{round_id:int}/position", name="position_take")
async def take_position(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    round_id: PathId,
    data: Form,
) -> Template | Redirect:
    lieu_id = whole_number(data.get("lieu")) or 0
    if data.get("action") == "withdraw":
        call = lambda: rounds.withdraw_position(actor, round_id=round_id, lieu_id=lieu_id)  # noqa: E731
    else:
        call = lambda: rounds.take_position(  # noqa: E731
            settings,
            actor,
            round_id=round_id,
            lieu_id=lieu_id,
            kind=data.get("kind", ""),
            text=data.get("text", ""),
            criterion_id=whole_number(data.get("criterion_id")),
        )
    typed = {f"position.{name}": data.get(name, "") for name in ("kind", "text", "criterion_id")}
    return await _back(
        request,
        actor,
        await rounds.challenge_of_round(round_id),
        call,
        values={"position.lieu": data.get("lieu", ""), **typed},
    )


@post("/tours/{round_id:int}/questions", name="question_ask")
async def ask(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    round_id: PathId,
    data: Form,
) -> Template | Redirect:
    return await _back(
        request,
        actor,
        await rounds.challenge_of_round(round_id),
        lambda: rounds.ask_question(
            settings,
            actor,
            round_id=round_id,
            lieu_id=whole_number(data.get("lieu")) or 0,
            text=data.get("text", ""),
        ),
        values={"question.text": data.get("text", "")},
    )


@post("/questions/{question_id:int}/reponse", name="question_answer")
async def answer(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    question_id: PathId,
    data: Form,
) -> Template | Redirect:
    return await _back(
        request,
        actor,
        await rounds.challenge_of_question(question_id),
        lambda: rounds.answer_question(
            settings, actor, question_id=question_id, text=data.get("text", "")
        ),
        values={f"answer.{question_id}": data.get("text", "")},
    )


@post("/tours/{round_id:int}/commentaires", name="comment_add")
async def add_comment(
    request: Request[Any, Any, Any], actor: ActorDep, round_id: PathId, data: Form
) -> Template | Redirect:
    kind, _sep, raw_id = data.get("as", "").partition(":")
    lieu_id = whole_number(raw_id) if kind == "lieu" else None
    return await _back(
        request,
        actor,
        await rounds.challenge_of_round(round_id),
        lambda: rounds.comment(
            actor,
            round_id=round_id,
            lieu_id=lieu_id,
            criterion_id=whole_number(data.get("criterion_id")),
            text=data.get("text", ""),
        ),
        values={"comment.text": data.get("text", "")},
    )


@post("/commentaires/{comment_id:int}/masquer", name="comment_hide")
async def hide_comment(
    request: Request[Any, Any, Any], actor: ActorDep, comment_id: PathId, data: Form
) -> Template | Redirect:
    """Hiding is public and stays: confirmed first, once the reason is given."""
    challenge_id = await rounds.challenge_of_comment(comment_id)
    reason = data.get("reason", "")

    try:
        await rounds.hide_comment(
            actor, comment_id=comment_id, reason=reason, confirmed=is_confirmed(data)
        )
    except ConfirmationNeeded:
        return await ask_to_hide(
            request, reason=reason, data=data, back=f"/defis/{challenge_id}#tour"
        )
    except InvalidInput as error:  # the reason is missing or too long: beside this form
        fields = {f"hide.{comment_id}": code for code in error.fields.values()}
        return await challenge_page(
            request,
            actor,
            challenge_id,
            status_code=422,
            errors=form_errors(fields),
            values={f"hide.{comment_id}": reason},
        )
    return see_other(f"/defis/{challenge_id}#tour")


async def _diagnosis_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    slug: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    network = await network_queries.network_by_slug(actor, slug)
    settings_view = await network_queries.diagnosis_settings(actor, network.id)
    return await page(
        request,
        "coordination/diagnosis.html",
        status_code=status_code,
        network=network,
        errors=errors or {},
        values=values
        or {"criteria": "\n".join(settings_view.criteria), "quorum": str(settings_view.quorum)},
    )


@get("/reseaux/{slug:str}/diagnostic", name="diagnosis_settings")
async def diagnosis_form(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]
) -> Template:
    return await _diagnosis_page(request, actor, slug)


@post("/reseaux/{slug:str}/diagnostic")
async def diagnosis(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str], data: Form
) -> Template | Redirect:
    network = await network_queries.network_by_slug(actor, slug)
    try:
        await rounds.configure_diagnosis(
            actor,
            network_id=network.id,
            criteria=data.get("criteria", ""),
            quorum=data.get("quorum", ""),
        )
    except InvalidInput as error:
        return await _diagnosis_page(
            request, actor, slug, status_code=422, errors=form_errors(error.fields), values=data
        )
    return see_other(f"/reseaux/{slug}/gerer?ok=diagnosis")


ROUTES = [
    open_round,
    close_round,
    extend_round,
    take_position,
    ask,
    answer,
    add_comment,
    hide_comment,
    diagnosis_form,
    diagnosis,
]
