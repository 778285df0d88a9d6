"""API: networks, their lieux, and a lieu; visible as on the pages (a private network only to
its coordinators and the site's admins)."""

from __future__ import annotations

import msgspec
from litestar import get

from cobudget.services.queries import api as api_queries
from cobudget.services.queries import networks as queries
from cobudget.services.queries.documents import lieu_picture
from cobudget.web.api.pagination import (
    Id,
    PagingDep,
    as_schema,
    paginate,
)
from cobudget.web.api.problems import READ, problems
from cobudget.web.api.schemas import (
    LieuDetail,
    NetworkDetail,
    NetworkLieuPage,
    NetworkPage,
)
from cobudget.web.forms import ActorDep


@get("/networks", responses=problems(400), summary="Networks the reader may see")
async def list_networks(actor: ActorDep, paging: PagingDep) -> NetworkPage:
    return paginate(await queries.visible_networks(actor), NetworkPage, paging)


@get("/networks/{network_id:int}", responses=READ, summary="One network")
async def network(actor: ActorDep, network_id: Id) -> NetworkDetail:
    summary = await queries.network_by_id(actor, network_id)
    view = await queries.network_view(summary)
    fields = msgspec.structs.asdict(summary) | {"lieu_count": len(view.lieux)}
    return as_schema(
        fields | {"cofunders": view.cofunders, "coordinators": view.coordinators}, NetworkDetail
    )


@get("/networks/{network_id:int}/lieux", responses=READ, summary="Lieux of a network")
async def network_lieux(
    actor: ActorDep,
    network_id: Id,
    paging: PagingDep,
) -> NetworkLieuPage:
    view = await queries.network_view(await queries.network_by_id(actor, network_id))
    return paginate(view.lieux, NetworkLieuPage, paging)


@get("/lieux/{lieu_id:int}", responses=READ, summary="One lieu")
async def lieu(actor: ActorDep, lieu_id: Id) -> LieuDetail:
    view = await api_queries.lieu_page_by_id(actor, lieu_id)
    fields = msgspec.structs.asdict(view.lieu) | {"networks": view.networks}
    contact = {
        "address": view.contact.address,
        "contact_email": view.contact.email,
        "contact_phone": view.contact.phone,
    }
    extra = {
        "website": view.website,
        "people_count": view.people_count,
        "picture_id": await lieu_picture(view.lieu.id),
    }
    return as_schema(fields | contact | extra, LieuDetail)


ROUTES = [list_networks, network, network_lieux, lieu]
