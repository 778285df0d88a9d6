"""Build the permission `Target` of a network or a lieu from the database, or raise NotFound."""

from __future__ import annotations

import msgspec

from cobudget.db.rows import fetch, fetch_one
from cobudget.db.tables import Lieu, Network, NetworkLieu
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Target


async def network_target(network_id: int) -> Target:
    network = await fetch_one(
        Network.select(Network.is_public).where(Network.id == network_id).first(), _Visibility
    )
    if network is None:
        raise NotFound("network", network_id)
    return Target(network_id=network_id, network_is_public=network.is_public)


class _Visibility(msgspec.Struct, frozen=True):
    is_public: bool


class _Membership(msgspec.Struct, frozen=True):
    network: int


async def lieu_target(lieu_id: int) -> Target:
    if not await Lieu.exists().where(Lieu.id == lieu_id):
        raise NotFound("lieu", lieu_id)
    rows = await fetch(
        NetworkLieu.select(NetworkLieu.network).where(NetworkLieu.lieu == lieu_id), _Membership
    )
    return Target(lieu_id=lieu_id, lieu_network_ids=frozenset(row.network for row in rows))
