"""API: the needs of a network and of a lieu (SPEC §5), active ones, oldest first; visible as
on the pages (a private network's needs only to who may read the network)."""

from __future__ import annotations

from litestar import get

from cobudget.services.queries import needs as queries
from cobudget.web.api.pagination import Id, PagingDep, paginate
from cobudget.web.api.problems import READ
from cobudget.web.api.schemas import NeedPage
from cobudget.web.forms import ActorDep


@get("/networks/{network_id:int}/needs", responses=READ, summary="Needs of a network's lieux")
async def network_needs(actor: ActorDep, network_id: Id, paging: PagingDep) -> NeedPage:
    return paginate(await queries.network_need_list(actor, network_id), NeedPage, paging)


@get("/lieux/{lieu_id:int}/needs", responses=READ, summary="Needs of a lieu")
async def lieu_needs(actor: ActorDep, lieu_id: Id, paging: PagingDep) -> NeedPage:
    return paginate(await queries.lieu_need_list(actor, lieu_id), NeedPage, paging)


ROUTES = [network_needs, lieu_needs]
