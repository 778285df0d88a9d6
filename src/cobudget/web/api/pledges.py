"""API: the pledge write, through the same service and the same authorization as the envelope
page's form (`services.pledges.set_pledge`). The session cookie says who acts; the CSRF token
travels in the `x-csrftoken` header, as htmx sends it."""

from __future__ import annotations

from litestar import put
from litestar.params import JSONBody

from cobudget.engine import receipts
from cobudget.services import pledges
from cobudget.web.api.envelope_schemas import PledgeIn, PledgeOut
from cobudget.web.api.pagination import Id
from cobudget.web.api.problems import problems
from cobudget.web.forms import ActorDep


@put(
    "/envelopes/{envelope_id:int}/pledges",
    status_code=200,
    responses=problems(400, 401, 403, 404, 409, 413, 422),
    summary="Set, change or withdraw (0) a pledge",
)
async def set_pledge(actor: ActorDep, envelope_id: Id, data: JSONBody[PledgeIn]) -> PledgeOut:
    lieu_id, org_id = pledges.parse_unit(data.unit)
    stored = await pledges.set_pledge(
        actor,
        envelope_id=envelope_id,
        challenge_id=data.challenge_id,
        source=data.source,
        amount_cents=data.amount_cents,
        lieu_id=lieu_id,
        org_id=org_id,
        idempotency_key=data.idempotency_key,
    )
    return PledgeOut(
        envelope_id=envelope_id,
        challenge_id=data.challenge_id,
        unit=data.unit,
        source=data.source,
        amount_cents=stored.amount_cents,
        replayed=stored.replayed,
        receipt=receipts.grouped(stored.receipt),
    )


ROUTES = [set_pledge]
