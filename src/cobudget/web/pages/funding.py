"""Funding an envelope: pledges and support, settling, verifying, comparing the rules, the next
round, and the published files. With htmx, a pledge swaps the projection in place (hx-select);
every form also works with a full page load."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from cobudget.domain.challenges import InvalidAmount, parse_euros
from cobudget.domain.errors import ConfirmationNeeded, InvalidInput, NotFound
from cobudget.domain.permissions import Action, Target, require
from cobudget.i18n import gettext as _
from cobudget.services import envelope_inputs, next_rounds, pledges, settlements
from cobudget.services.envelope_inputs import EnvelopeRecord
from cobudget.services.queries import projection as projection_queries
from cobudget.services.queries.envelopes import EnvelopeView
from cobudget.services.queries.networks import network_by_id
from cobudget.web.confirm import ask_confirmation, is_confirmed
from cobudget.web.forms import ActorDep, Form, PathId, SettingsDep, numbered, whole_number
from cobudget.web.pages.envelopes import PROJECTION_SWAP, envelope_page
from cobudget.web.render import form_errors, page, see_other


async def _refused(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    envelope_id: int,
    error: InvalidInput,
    challenge: str,
) -> Template:
    """The envelope page again (422) with the refusal next to the challenge's form when it is
    about what was typed there, at the top of the projection when it is about the challenge or
    the envelope itself."""
    beside_form = whole_number(challenge) is not None and set(error.fields) <= {
        "amount",
        "source",
        "points",
    }
    return await envelope_page(
        request,
        actor,
        envelope_id,
        status_code=422,
        errors=form_errors(error.fields),
        error_challenge=whole_number(challenge) if beside_form else None,
    )


def _int(value: str, field: str) -> int:
    number = whole_number(value)
    if number is None:
        raise InvalidInput({field: "not_a_whole_number"})
    return number


@post("/enveloppes/{envelope_id:int}/contributions", name="envelope_pledge")
async def pledge(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    envelope_id: PathId,
    data: Form,
) -> Template | Redirect:
    """Set, change or withdraw (amount 0) a pledge; a withdrawal is confirmed first."""
    challenge = data.get("challenge", "")
    if data.get("withdraw") and not is_confirmed(data):
        return await ask_confirmation(
            request,
            question=_("Retirer cette contribution ?"),
            consequences=[
                _("La contribution de votre lieu ou organisation à ce défi est annulée."),
                _(
                    "Ses droits de tirage redeviennent disponibles ; le défi peut passer sous "
                    "son minimum dans la projection."
                ),
                _("Vous pourrez contribuer de nouveau tant que les contributions sont ouvertes."),
            ],
            data=data,
            button=_("Retirer la contribution"),
            back=f"/enveloppes/{envelope_id}#defi-{challenge}",
        )
    try:
        lieu_id, org_id = pledges.parse_unit(data.get("unit", ""))
        try:
            amount = 0 if data.get("withdraw") else parse_euros(data.get("amount", ""))
        except InvalidAmount as error:
            raise InvalidInput({"amount": error.code}) from error
        stored = await pledges.set_pledge(
            actor,
            envelope_id=envelope_id,
            challenge_id=_int(challenge, "challenge"),
            source=data.get("source", ""),
            amount_cents=amount,
            lieu_id=lieu_id,
            org_id=org_id,
            idempotency_key=data.get("request_key") or None,
        )
    except InvalidInput as error:
        return await _refused(request, actor, envelope_id, error, challenge)
    # The receipt travels in the address of the confirmation (issue 20).
    return see_other(f"/enveloppes/{envelope_id}?ok=pledged&recu={stored.receipt}#defi-{challenge}")


@post("/enveloppes/{envelope_id:int}/soutiens", name="envelope_support")
async def support(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    envelope_id: PathId,
    data: Form,
) -> Template | Redirect:
    """Give, change or withdraw (0) a lieu's approval or points (rule `equal_shares`)."""
    challenge = data.get("challenge", "")
    try:
        lieu_id, _org = pledges.parse_unit(data.get("unit", ""))
        if lieu_id is None:
            raise InvalidInput({"unit": "invalid_unit"})
        receipt = await pledges.set_support(
            actor,
            envelope_id=envelope_id,
            challenge_id=_int(challenge, "challenge"),
            lieu_id=lieu_id,
            points=_int(data.get("points", ""), "points"),
        )
    except InvalidInput as error:
        return await _refused(request, actor, envelope_id, error, challenge)
    return see_other(f"/enveloppes/{envelope_id}?ok=supported&recu={receipt}#defi-{challenge}")


@post("/enveloppes/{envelope_id:int}/repartition", name="envelope_settle")
async def settle(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    settings: SettingsDep,
    envelope_id: PathId,
    data: Form,
) -> Template | Redirect:
    """Settle a closed envelope: the engine runs once and the settlement is published, once
    the coordinator has confirmed (a settlement is never redone)."""
    try:
        await settlements.settle(
            settings, actor, envelope_id=envelope_id, confirmed=is_confirmed(data)
        )
    except ConfirmationNeeded:
        return await ask_confirmation(
            request,
            question=_("Régler l’enveloppe et publier la répartition ?"),
            consequences=[
                _(
                    "Le moteur calcule une fois la répartition sur les contributions reçues "
                    "avant la clôture ; elle est publiée aussitôt."
                ),
                _(
                    "Une répartition publiée ne se refait pas : les contributions ne peuvent "
                    "plus être rouvertes."
                ),
                _("Les personnes du réseau sont prévenues par e-mail."),
            ],
            data=data,
            button=_("Régler et publier"),
            back=f"/enveloppes/{envelope_id}",
        )
    except InvalidInput as error:
        return await envelope_page(
            request, actor, envelope_id, status_code=422, errors=form_errors(error.fields)
        )
    return see_other(f"/enveloppes/{envelope_id}?ok=settled")


@get("/enveloppes/{envelope_id:int}/verification", name="envelope_verify")
async def verify(request: Request[Any, Any, Any], actor: ActorDep, envelope_id: PathId) -> Template:
    """Anyone recomputes the published settlement from its stored inputs: a page of its own,
    the verdict, whatever the envelope's size."""
    result = await settlements.verify(actor, envelope_id)
    row = await envelope_inputs.envelope(envelope_id)
    return await page(
        request,
        "envelopes/verification.html",
        envelope_id=envelope_id,
        title=row.title,
        digest=result.digest,
        verification=result,
    )


async def _one_challenge(
    actor: ActorDep, envelope_id: int, challenge_id: int
) -> tuple[EnvelopeView, projection_queries.Projection, projection_queries.ChallengeRow]:
    """The envelope, its projection and one of its challenges, as the envelope page shows them."""
    view, projection = await projection_queries.page_projection(actor, envelope_id)
    challenge = next((c for c in projection.challenges if c.id == challenge_id), None)
    if challenge is None:
        raise NotFound("challenge", challenge_id)
    return view, projection, challenge


@get(
    "/enveloppes/{envelope_id:int}/defis/{challenge_id:int}/contributions",
    name="envelope_challenge_pledges",
)
async def challenge_pledges(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    envelope_id: PathId,
    challenge_id: PathId,
) -> Template:
    """Who pledged what to one challenge (loaded on demand: a large envelope has thousands)."""
    view, projection, challenge = await _one_challenge(actor, envelope_id, challenge_id)
    return await page(
        request,
        "envelopes/pledges.html",
        envelope_id=envelope_id,
        envelope_title=view.title,
        projection=projection,
        challenge=challenge,
    )


@get(
    "/enveloppes/{envelope_id:int}/defis/{challenge_id:int}/contribuer",
    name="envelope_challenge_pledge_forms",
)
async def pledge_forms(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    envelope_id: PathId,
    challenge_id: PathId,
) -> Template | Redirect:
    """The reader's pledge and support forms for one challenge, on demand: a long envelope
    lists them closed (`INLINE_FORMS`). htmx swaps them into the envelope page, where they
    swap the projection in place; without it, they are a page of their own."""
    view, projection, challenge = await _one_challenge(actor, envelope_id, challenge_id)
    if not (projection.funding_open and challenge.consented and challenge.mine):
        return see_other(f"/enveloppes/{envelope_id}#defi-{challenge_id}")
    into_projection = (
        request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"
    )
    return await page(
        request,
        "envelopes/pledge_forms.html",
        view=view,
        projection=projection,
        challenge=challenge,
        request_key=secrets.token_urlsafe(16),
        swap=PROJECTION_SWAP if into_projection else "",
        errors={},
        error_challenge=None,
    )


@get("/enveloppes/{envelope_id:int}/donnees-reglement.json", name="envelope_inputs_file")
async def inputs_file(actor: ActorDep, envelope_id: PathId) -> Response[bytes]:
    """The canonical inputs the settlement was computed from, for `cobudget verify`."""
    record = await settlements.readable(actor, envelope_id)
    return Response(
        record.inputs,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="enveloppe-{envelope_id}-donnees.json"'
        },
    )


@get("/enveloppes/{envelope_id:int}/reglement.json", name="envelope_settlement_file")
async def settlement_file(actor: ActorDep, envelope_id: PathId) -> Response[bytes]:
    """The settlement bytes exactly as stored."""
    record = await settlements.readable(actor, envelope_id)
    return Response(
        record.settlement,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="enveloppe-{envelope_id}-reglement.json"'
        },
    )


@get("/enveloppes/{envelope_id:int}/comparaison", name="envelope_compare")
async def compare(
    request: Request[Any, Any, Any], actor: ActorDep, envelope_id: PathId
) -> Template:
    """The three rules side by side on the same pledges and support: for coordinators at any
    time, for everyone once the settlement is published."""
    row = await envelope_inputs.envelope(envelope_id)
    network = await network_by_id(actor, row.network)
    if row.settled_at is None:
        require(actor, Action.ENVELOPE_MANAGE, Target(network_id=network.id))
    comparison = await projection_queries.compare_rules(row)
    return await page(
        request,
        "envelopes/compare.html",
        envelope_id=envelope_id,
        title=row.title,
        network=network,
        current_rule=row.rule,
        comparison=comparison,
    )


async def _next_round_page(
    request: Request[Any, Any, Any],
    row: EnvelopeRecord,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    carry = await next_rounds.what_carries(row.id)
    return await page(
        request,
        "envelopes/next_round.html",
        status_code=status_code,
        envelope_id=row.id,
        title=row.title,
        carry=carry,
        values=values,
        errors=errors or {},
    )


@get("/enveloppes/{envelope_id:int}/tour-suivant", name="envelope_next_round")
async def next_round_form(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    envelope_id: PathId,
) -> Template:
    row = await envelope_inputs.envelope(envelope_id)
    require(actor, Action.ENVELOPE_MANAGE, Target(network_id=row.network))
    return await _next_round_page(
        request,
        row,
        values={
            "title": f"{row.title} — tour suivant",
            "extra_amount": "0",
            "carry_leftover": "on",
            "split": "weights",
        },
    )


@post("/enveloppes/{envelope_id:int}/tour-suivant")
async def next_round(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    envelope_id: PathId,
    data: Form,
) -> Template | Redirect:
    form = next_rounds.NextRoundForm(
        title=data.get("title", ""),
        extra_amount=data.get("extra_amount", "0"),
        carry_leftover=data.get("carry_leftover") == "on",
        split=data.get("split", "weights"),
        carried_challenges=tuple(
            challenge_id for challenge_id, value in numbered(data, "carry").items() if value == "on"
        ),
    )
    try:
        new_id = await next_rounds.create_next_round(actor, envelope_id=envelope_id, form=form)
    except InvalidInput as error:
        return await _next_round_page(
            request,
            await envelope_inputs.envelope(envelope_id),
            values=data,
            errors=form_errors(error.fields),
            status_code=422,
        )
    return see_other(f"/enveloppes/{new_id}?ok=saved")


ROUTES = [
    pledge,
    challenge_pledges,
    pledge_forms,
    support,
    settle,
    verify,
    inputs_file,
    settlement_file,
    compare,
    next_round_form,
    next_round,
]
