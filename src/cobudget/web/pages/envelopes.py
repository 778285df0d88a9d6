"""Envelope pages: a coordinator configures a draft and moves its calendar; everyone reads an
open envelope with each lieu's drawing rights."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from cobudget.domain import lifecycle
from cobudget.domain.errors import ConfirmationNeeded, InvalidInput
from cobudget.domain.permissions import Action, Target, require
from cobudget.domain.validation import LegalForm
from cobudget.engine import receipts as chain
from cobudget.i18n import gettext as _
from cobudget.services import envelope_inputs, envelopes, receipts
from cobudget.services.queries import envelopes as queries
from cobudget.services.queries import networks as network_queries
from cobudget.services.queries import projection as projection_queries
from cobudget.web.confirm import ask_confirmation, is_confirmed
from cobudget.web.forms import ActorDep, Form, PathId, SettingsDep, numbered
from cobudget.web.render import form_errors, page, see_other

PARIS = ZoneInfo(envelopes.TIME_ZONE)


def _form(data: dict[str, str]) -> envelopes.EnvelopeForm:
    return envelopes.EnvelopeForm(
        title=data.get("title", ""),
        amount=data.get("amount", ""),
        rule=data.get("rule", ""),
        min_cofunders=data.get("min_cofunders", ""),
        own_challenge_cap_pct=data.get("own_challenge_cap_pct", ""),
        support=data.get("support", "approval"),
        eligible_forms=tuple(
            key.split(".", 1)[1]
            for key, value in data.items()
            if key.startswith("eligible.") and value == "on"
        ),
        quorum=data.get("quorum", ""),
        hide_pledges=data.get("hide_pledges") == "on",
        proposals_from=data.get("proposals_from", ""),
        diagnosis_from=data.get("diagnosis_from", ""),
        funding_from=data.get("funding_from", ""),
        funding_until=data.get("funding_until", ""),
        diagnosis_during_funding=data.get("diagnosis_during_funding") == "on",
        weights=numbered(data, "weight"),
        lieux=frozenset(
            lieu for lieu, value in numbered(data, "lieu", field="lieux").items() if value == "on"
        )
        if data.get("lieux_chosen") == "1"
        else None,
    )


def _lieu_values(choices: list[queries.LieuChoice]) -> dict[str, str]:
    """Each lieu offered, ticked when it takes part, with its weight."""
    values = {f"weight.{lieu.id}": str(lieu.weight) for lieu in choices}
    return values | {f"lieu.{lieu.id}": "on" for lieu in choices if lieu.taking_part}


def _local(value: dt.datetime) -> str:
    return value.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def _default_values() -> dict[str, str]:
    today = dt.datetime.now(PARIS).replace(hour=18, minute=0, second=0, microsecond=0)
    values = {
        "rule": "cofunding",
        "min_cofunders": "2",
        "own_challenge_cap_pct": "50",
        "support": "approval",
        "quorum": "3",
        "diagnosis_during_funding": "on",
        "proposals_from": _local(today + dt.timedelta(days=1)),
        "diagnosis_from": _local(today + dt.timedelta(days=22)),
        "funding_from": _local(today + dt.timedelta(days=43)),
        "funding_until": _local(today + dt.timedelta(days=64)),
    }
    values |= {f"eligible.{code}": "on" for code in envelopes.DEFAULT_ELIGIBLE}
    return values


def _values_of(view: queries.EnvelopeView) -> dict[str, str]:
    values = {
        "title": view.title,
        "amount": f"{view.amount_cents // 100},{view.amount_cents % 100:02d}",
        "rule": view.rule,
        "min_cofunders": str(view.min_cofunders),
        "own_challenge_cap_pct": str(view.own_challenge_cap_pct),
        "support": view.support,
        "quorum": str(view.quorum),
        "hide_pledges": "on" if view.hide_pledges else "",
        "diagnosis_during_funding": "on" if view.diagnosis_during_funding else "",
        "proposals_from": _local(view.proposals_from),
        "diagnosis_from": _local(view.diagnosis_from),
        "funding_from": _local(view.funding_from),
        "funding_until": _local(view.funding_until),
    }
    values |= {f"eligible.{code}": "on" for code in view.eligible_forms}
    return values


async def _form_page(
    request: Request[Any, Any, Any],
    actor: Any,
    *,
    network: Any,
    action: str,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    lieux: list[queries.LieuChoice],
) -> Template:
    return await page(
        request,
        "envelopes/form.html",
        status_code=status_code,
        network=network,
        action=action,
        values=values,
        errors=errors or {},
        lieux=lieux,
        legal_forms=list(LegalForm),
        rules=envelopes.RULES,
    )


@get("/reseaux/{slug:str}/enveloppes/nouvelle", name="envelope_new")
async def new_form(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]
) -> Template:
    network = await network_queries.network_by_slug(actor, slug)
    require(actor, Action.ENVELOPE_MANAGE, Target(network_id=network.id))
    lieux = await queries.lieu_choices(network, None)
    return await _form_page(
        request,
        actor,
        network=network,
        lieux=lieux,
        action=f"/reseaux/{slug}/enveloppes/nouvelle",
        values=_default_values() | _lieu_values(lieux),
    )


@post("/reseaux/{slug:str}/enveloppes/nouvelle")
async def new(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str], data: Form
) -> Template | Redirect:
    network = await network_queries.network_by_slug(actor, slug)
    # Before the form is read: a form that cannot be read is answered with the form, which
    # only a coordinator may see (the network's lieux and their weights).
    require(actor, Action.ENVELOPE_MANAGE, Target(network_id=network.id))
    try:
        envelope_id = await envelopes.create_envelope(
            actor, network_id=network.id, form=_form(data)
        )
    except InvalidInput as error:
        return await _form_page(
            request,
            actor,
            network=network,
            lieux=await queries.lieu_choices(network, None),
            status_code=422,
            action=f"/reseaux/{slug}/enveloppes/nouvelle",
            values=data,
            errors=form_errors(error.fields),
        )
    return see_other(f"/enveloppes/{envelope_id}?ok=saved")


# A reader with a stake in more challenges than this gets their forms on demand (funding.py,
# pledge_forms): 200 challenges with a form each made a member's page 400 KiB.
INLINE_FORMS = 12
# What makes a pledge form swap the projection in place (htmx).
PROJECTION_SWAP = 'hx-target="#projection" hx-select="#projection" hx-swap="outerHTML"'


async def envelope_page(
    request: Request[Any, Any, Any],
    actor: Any,
    envelope_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    error_challenge: int | None = None,
    ok: str = "",
    receipt: str = "",
) -> Template:
    """The envelope page: configuration, calendar, and the live projection (or settlement);
    a draft shows no projection (nobody pledges to it yet), so none is computed. Once funding
    is over, the end of the chain of receipts (issue 20); `receipt`, the one just given."""
    row = await envelope_inputs.envelope(envelope_id)
    view = await queries.envelope_view(actor, row)
    projection = (
        None
        if view.phase == lifecycle.Phase.DRAFT.value
        else await projection_queries.envelope_projection(actor, view, row)
    )
    return await page(
        request,
        "envelopes/page.html",
        status_code=status_code,
        view=view,
        projection=projection,
        ok=ok,
        errors=errors or {},
        error_challenge=error_challenge,
        request_key=secrets.token_urlsafe(16),
        released=await queries.released_pledges(actor, envelope_id),
        inline_forms=projection is not None
        and sum(1 for c in projection.challenges if c.consented and c.mine) <= INLINE_FORMS,
        swap=PROJECTION_SWAP,
        chain=await receipts.head(envelope_id) if view.phase in AFTER_FUNDING else None,
        receipt=receipt,
    )


AFTER_FUNDING = frozenset(
    {lifecycle.Phase.CLOSED.value, lifecycle.Phase.SETTLED.value, lifecycle.Phase.FOLLOW_UP.value}
)


@get("/enveloppes/{envelope_id:int}", name="envelope")
async def show(request: Request[Any, Any, Any], actor: ActorDep, envelope_id: PathId) -> Template:
    code = chain.code_key(request.query_params.get("recu", "")[:40])
    return await envelope_page(
        request,
        actor,
        envelope_id,
        ok=request.query_params.get("ok", ""),
        receipt=chain.grouped(code) if code else "",
    )


@get("/enveloppes/{envelope_id:int}/modifier", name="envelope_edit")
async def edit_form(
    request: Request[Any, Any, Any], actor: ActorDep, envelope_id: PathId
) -> Template:
    row = await envelope_inputs.envelope(envelope_id)
    require(actor, Action.ENVELOPE_MANAGE, Target(network_id=row.network))
    view = await queries.envelope_view(actor, row)
    if view.config_frozen:  # say why instead of a form that could only be refused (issue 16)
        return await page(request, "envelopes/config_frozen.html", view=view)
    lieux = await queries.lieu_choices(view.network, view)
    return await _form_page(
        request,
        actor,
        network=view.network,
        lieux=lieux,
        action=f"/enveloppes/{envelope_id}/modifier",
        values=_values_of(view) | _lieu_values(lieux),
    )


@post("/enveloppes/{envelope_id:int}/modifier")
async def edit(
    request: Request[Any, Any, Any], actor: ActorDep, envelope_id: PathId, data: Form
) -> Template | Redirect:
    row = await envelope_inputs.envelope(envelope_id)
    # Before the form is read, as for a new envelope: the form is its coordinators' only.
    require(actor, Action.ENVELOPE_MANAGE, Target(network_id=row.network))
    try:
        await envelopes.update_draft(actor, envelope_id=envelope_id, form=_form(data))
    except InvalidInput as error:
        view = await queries.envelope_page(actor, envelope_id)
        return await _form_page(
            request,
            actor,
            network=view.network,
            lieux=await queries.lieu_choices(view.network, view),
            status_code=422,
            action=f"/enveloppes/{envelope_id}/modifier",
            values=data,
            errors=form_errors(error.fields),
        )
    return see_other(f"/enveloppes/{envelope_id}?ok=saved")


@post("/enveloppes/{envelope_id:int}/calendrier", name="envelope_move")
async def move(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    envelope_id: PathId,
    data: Form,
) -> Template | Redirect:
    try:
        await envelopes.move(
            settings,
            actor,
            envelope_id=envelope_id,
            kind=data.get("move", ""),
            until=data.get("until", ""),
            confirmed=is_confirmed(data),
        )
    except ConfirmationNeeded:
        return await ask_confirmation(
            request,
            question=_("Clore les contributions maintenant ?"),
            consequences=[
                _(
                    "Plus aucune contribution ne peut être donnée, changée ou retirée : "
                    "la répartition lira celles reçues avant ce moment."
                ),
                _(
                    "La coordination pourra les rouvrir jusqu’à une date, tant que "
                    "l’enveloppe n’est pas réglée."
                ),
            ],
            data=data,
            button=_("Clore les contributions"),
            back=f"/enveloppes/{envelope_id}",
        )
    except InvalidInput as error:
        return await envelope_page(
            request, actor, envelope_id, status_code=422, errors=form_errors(error.fields)
        )
    return see_other(f"/enveloppes/{envelope_id}?ok=moved")


ROUTES = [new_form, new, show, edit_form, edit, move]
