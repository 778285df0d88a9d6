"""API: a network's envelopes, one envelope (configuration, phase, drawing rights), its live
projection or published settlement, the pledges to one of its challenges, and the stored
settlement with its canonical inputs. A draft envelope is its coordinators' only."""

from __future__ import annotations

import hashlib

from litestar import get
from msgspec.structs import asdict

from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Actor
from cobudget.engine import canonical
from cobudget.services import settlements
from cobudget.services.queries import envelopes as queries
from cobudget.services.queries import projection as projection_queries
from cobudget.services.queries.networks import network_by_id
from cobudget.web.api.envelope_schemas import (
    EnvelopeDetail,
    EnvelopePage,
    PledgeLinePage,
    ProjectionOut,
    SettlementOut,
)
from cobudget.web.api.pagination import (
    Id,
    PagingDep,
    as_schema,
    paginate,
)
from cobudget.web.api.problems import READ
from cobudget.web.explanations import explain
from cobudget.web.forms import ActorDep


@get("/networks/{network_id:int}/envelopes", responses=READ, summary="Envelopes of a network")
async def network_envelopes(
    actor: ActorDep,
    network_id: Id,
    paging: PagingDep,
) -> EnvelopePage:
    await network_by_id(actor, network_id)  # refuses a network the reader may not see
    envelopes = await queries.network_envelopes(actor, network_id)
    return paginate(envelopes, EnvelopePage, paging)


@get("/envelopes/{envelope_id:int}", responses=READ, summary="One envelope")
async def envelope(actor: ActorDep, envelope_id: Id) -> EnvelopeDetail:
    view = await queries.envelope_page(actor, envelope_id)
    return as_schema(asdict(view) | {"network_id": view.network.id}, EnvelopeDetail)


async def _projection(actor: Actor, envelope_id: int) -> projection_queries.Projection:
    return (await projection_queries.page_projection(actor, envelope_id))[1]


@get(
    "/envelopes/{envelope_id:int}/projection",
    responses=READ,
    summary="Live projection, or the published settlement once settled",
)
async def projection(actor: ActorDep, envelope_id: Id) -> ProjectionOut:
    shown = await _projection(actor, envelope_id)
    challenges = [
        asdict(c) | {"explanation_text": explain(c.explanation)} for c in shown.challenges
    ]
    fields = asdict(shown) | {"envelope_id": envelope_id, "inputs_digest": shown.digest}
    return as_schema(fields | {"challenges": challenges}, ProjectionOut)


@get(
    "/envelopes/{envelope_id:int}/challenges/{challenge_id:int}/pledges",
    responses=READ,
    summary="Pledges to one challenge of the envelope (hidden ones left out)",
)
async def challenge_pledges(
    actor: ActorDep,
    envelope_id: Id,
    challenge_id: Id,
    paging: PagingDep,
) -> PledgeLinePage:
    shown = await _projection(actor, envelope_id)
    challenge = next((c for c in shown.challenges if c.id == challenge_id), None)
    if challenge is None:
        raise NotFound("challenge", challenge_id)
    return paginate(challenge.pledges, PledgeLinePage, paging)


@get(
    "/envelopes/{envelope_id:int}/settlement",
    responses=READ,
    summary="The published settlement with its canonical inputs",
)
async def settlement(actor: ActorDep, envelope_id: Id) -> SettlementOut:
    record = await settlements.readable(actor, envelope_id)
    files = f"/enveloppes/{envelope_id}"
    return SettlementOut(
        envelope_id=envelope_id,
        settled_at=record.settled_at,
        inputs_digest=record.digest,
        settlement_sha256=hashlib.sha256(record.settlement).hexdigest(),
        inputs=canonical.decode_input(record.inputs),
        settlement=record.decoded,
        inputs_url=f"{files}/donnees-reglement.json",
        settlement_url=f"{files}/reglement.json",
    )


ROUTES = [network_envelopes, envelope, projection, challenge_pledges, settlement]
