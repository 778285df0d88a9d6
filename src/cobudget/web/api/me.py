"""API: what waits for the person logged in (issue 16), as « Mon espace » shows it: per lieu,
co-funding organisation and coordinated network, the items to act on with their link and
deadline, and the envelopes."""

from __future__ import annotations

from litestar import get

from cobudget.domain.errors import LoginRequired
from cobudget.services.queries.my_space import MySpace, my_space
from cobudget.web.api.problems import problems
from cobudget.web.forms import ActorDep


@get("/me", responses=problems(401), summary="What waits for the person logged in")
async def me(actor: ActorDep) -> MySpace:
    if not actor.is_authenticated:
        raise LoginRequired("my_space.read")
    return await my_space(actor)


ROUTES = [me]
