"""Reads behind the needs: a network's needs grouped by theme, a lieu's needs, one need to edit.

Whatever the number of needs and of « nous aussi », a list reads in two queries: the needs with
their lieu, then every « nous aussi » of those needs with its lieu (`IN (...)`). What the reader
may do (write for the need's lieu, say or withdraw « nous aussi ») is decided here from the
actor's lieux, never in the templates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import msgspec

from cobudget.db.rows import fetch
from cobudget.db.tables import Need, NeedJoin, NetworkLieu
from cobudget.domain import needs as rules
from cobudget.domain.challenges import format_euros
from cobudget.domain.permissions import Action, Actor, Target, decide
from cobudget.services import needs
from cobudget.services.needs import CONTENT_COLUMNS, NeedContent
from cobudget.services.queries.networks import (
    NetworkSummary,
    network_by_id,
    network_by_slug,
    network_view,
)


class LieuRef(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str


class NeedView(NeedContent, frozen=True):
    """A need as everyone reads it."""

    id: int
    network_id: int
    network_slug: str
    lieu: LieuRef
    created_at: dt.datetime
    updated_at: dt.datetime
    archived_at: dt.datetime | None
    challenge_id: int | None  # the challenge it became, once published
    joined: tuple[LieuRef, ...] = ()  # the lieux that said « nous aussi », by name
    # A draft challenge made from it (its lieu's only: a draft is its proposers' only).
    draft_challenge_id: int | None = None


class NeedCard(msgspec.Struct, frozen=True):
    """A need with what the reader may do about it."""

    need: NeedView
    can_write: bool  # the reader belongs to its lieu
    may_join: tuple[LieuRef, ...]  # the reader's lieux that may say « nous aussi »
    may_leave: tuple[LieuRef, ...]  # the reader's lieux that said it

    @property
    def id(self) -> int:
        return self.need.id

    @property
    def theme(self) -> str:
        return self.need.theme

    @property
    def lieu_id(self) -> int:
        return self.need.lieu.id

    @property
    def joined_lieu_ids(self) -> Sequence[int]:
        return [lieu.id for lieu in self.need.joined]


class NetworkNeeds(msgspec.Struct, frozen=True):
    network: NetworkSummary
    groups: list[rules.ThemeGroup[NeedCard]]
    theme: str  # the filters applied ("" for none)
    horizon: str
    filter_refused: bool  # a filter was not one of the choices: everything is shown
    need_count: int
    my_lieux: list[LieuRef]  # the reader's lieux in the network (who may publish)


class _NeedRow(NeedContent, frozen=True):
    id: int
    network_id: int
    network_slug: str
    lieu_id: int
    lieu_slug: str
    lieu_name: str
    created_at: dt.datetime
    updated_at: dt.datetime
    archived_at: dt.datetime | None
    challenge_id: int | None
    challenge_version: int | None  # 0 while the challenge is a draft


class _JoinRow(msgspec.Struct, frozen=True):
    need: int
    id: int
    slug: str
    name: str


_COLUMNS = (
    Need.id,
    Need.network.as_alias("network_id"),
    Need.network._.slug.as_alias("network_slug"),
    Need.lieu._.id.as_alias("lieu_id"),
    Need.lieu._.slug.as_alias("lieu_slug"),
    Need.lieu._.name.as_alias("lieu_name"),
    *CONTENT_COLUMNS,
    Need.created_at,
    Need.updated_at,
    Need.archived_at,
    Need.challenge.as_alias("challenge_id"),
    Need.challenge._.current_version.as_alias("challenge_version"),
)


async def read_needs(
    *conditions: Any, archived: bool = False, limit: int = rules.MAX_NEEDS_PER_PAGE
) -> list[NeedView]:
    """The needs matching `conditions` (active ones unless `archived`), oldest first, at most
    `limit`, with their « nous aussi »: two queries."""
    query = Need.select(*_COLUMNS)
    for condition in conditions:
        query = query.where(condition)
    if not archived:
        query = query.where(Need.archived_at.is_null())
    rows = await fetch(query.order_by(Need.id).limit(limit), _NeedRow)
    joined: dict[int, list[LieuRef]] = {}
    if rows:
        for join in await fetch(
            NeedJoin.select(
                NeedJoin.need,
                NeedJoin.lieu._.id.as_alias("id"),
                NeedJoin.lieu._.slug.as_alias("slug"),
                NeedJoin.lieu._.name.as_alias("name"),
            )
            .where(NeedJoin.need.is_in([row.id for row in rows]))
            .order_by(NeedJoin.lieu._.name),
            _JoinRow,
        ):
            joined.setdefault(join.need, []).append(LieuRef(join.id, join.slug, join.name))
    return [_view(row, tuple(joined.get(row.id, ()))) for row in rows]


_SAME_IN_ROW_AND_VIEW = (
    *NeedContent.__struct_fields__,
    *("id", "network_id", "network_slug", "created_at", "updated_at", "archived_at"),
)


def _view(row: _NeedRow, joined: tuple[LieuRef, ...]) -> NeedView:
    published = row.challenge_id is not None and bool(row.challenge_version)
    return NeedView(
        **{name: getattr(row, name) for name in _SAME_IN_ROW_AND_VIEW},
        lieu=LieuRef(row.lieu_id, row.lieu_slug, row.lieu_name),
        challenge_id=row.challenge_id if published else None,
        draft_challenge_id=None if published else row.challenge_id,
        joined=joined,
    )


def card(actor: Actor, need: NeedView, network_lieux: Sequence[LieuRef]) -> NeedCard:
    """What the reader may do about the need; `network_lieux` are the need's network's lieux
    (only a lieu of the network says « nous aussi »). A draft challenge made from the need is
    shown to its lieu only."""
    joined = {lieu.id for lieu in need.joined}
    mine = [lieu for lieu in network_lieux if lieu.id in actor.member_of]
    can_write = need.lieu.id in actor.member_of
    return NeedCard(
        need=need if can_write else msgspec.structs.replace(need, draft_challenge_id=None),
        can_write=can_write,
        may_join=tuple(lieu for lieu in mine if lieu.id != need.lieu.id and lieu.id not in joined),
        may_leave=tuple(lieu for lieu in mine if lieu.id in joined),
    )


async def _network_lieux(network: NetworkSummary) -> list[LieuRef]:
    view = await network_view(network)  # kept: no query when it is fresh
    return [LieuRef(lieu.id, lieu.slug, lieu.name) for lieu in view.lieux]


async def network_needs(actor: Actor, slug: str, *, theme: str, horizon: str) -> NetworkNeeds:
    """A network's needs, grouped by theme (`domain.needs.group_by_theme`), filtered by theme
    and horizon when asked; an unknown filter is said and dropped."""
    network = await network_by_slug(actor, slug)
    chosen_theme = rules.parse_theme(theme)
    chosen_horizon = rules.parse_horizon(horizon)
    conditions: list[Any] = [Need.network == network.id]
    if chosen_theme is not None:
        conditions.append(Need.theme == chosen_theme)
    if chosen_horizon is not None:
        conditions.append(Need.horizon_years == chosen_horizon)
    needs = await read_needs(*conditions)
    lieux = await _network_lieux(network)
    return NetworkNeeds(
        network=network,
        groups=rules.group_by_theme(card(actor, need, lieux) for need in needs),
        theme=chosen_theme or "",
        horizon=str(chosen_horizon or ""),
        filter_refused=bool(
            (theme and chosen_theme is None) or (horizon and chosen_horizon is None)
        ),
        need_count=len(needs),
        my_lieux=[lieu for lieu in lieux if lieu.id in actor.member_of],
    )


async def network_need_list(actor: Actor, network_id: int) -> list[NeedView]:
    """A network's active needs, for the API (the network read and allowed first)."""
    network = await network_by_id(actor, network_id)
    return await read_needs(Need.network == network.id)


class LieuNeeds(msgspec.Struct, frozen=True):
    cards: list[NeedCard]
    can_publish: bool  # the reader may publish the lieu's needs


async def lieu_needs(actor: Actor, lieu_id: int, networks: Sequence[NetworkSummary]) -> LieuNeeds:
    """A lieu's active needs in the networks the reader may read (`networks`, already
    filtered by the lieu's page)."""
    if not networks:
        return LieuNeeds([], can_publish=False)
    can_publish = decide(
        actor,
        Action.NEED_WRITE,
        Target(
            network_id=networks[0].id,
            lieu_id=lieu_id,
            lieu_network_ids=frozenset(n.id for n in networks),
        ),
    ).allowed
    ids = [n.id for n in networks]
    needs = await read_needs(Need.lieu == lieu_id, Need.network.is_in(ids))
    by_network: dict[int, list[LieuRef]] = {}
    if needs and actor.member_of:  # the reader's lieux in those networks, in one query
        for row in await fetch(
            NetworkLieu.select(
                NetworkLieu.network,
                NetworkLieu.lieu._.id.as_alias("id"),
                NetworkLieu.lieu._.slug.as_alias("slug"),
                NetworkLieu.lieu._.name.as_alias("name"),
            )
            .where(NetworkLieu.network.is_in(ids))
            .where(NetworkLieu.lieu.is_in(sorted(actor.member_of)))
            .order_by(NetworkLieu.lieu._.name),
            _MemberLieu,
        ):
            by_network.setdefault(row.network, []).append(LieuRef(row.id, row.slug, row.name))
    return LieuNeeds(
        [card(actor, need, by_network.get(need.network_id, ())) for need in needs], can_publish
    )


class _MemberLieu(msgspec.Struct, frozen=True):
    network: int
    id: int
    slug: str
    name: str


async def need_for_edit(actor: Actor, need_id: int) -> NeedView:
    """A need its lieu's member edits (refused otherwise, or when archived)."""
    await needs.writable(actor, need_id)
    (need,) = await read_needs(Need.id == need_id)
    return need


def form_values(need: NeedView) -> dict[str, str]:
    """A need as its form shows it (amounts in euros, as typed)."""
    return {
        "title": need.title,
        "lacks": need.lacks,
        "commons": need.commons,
        "min": format_euros(need.min_cents) if need.min_cents is not None else "",
        "max": format_euros(need.max_cents) if need.max_cents is not None else "",
        "theme": need.theme,
        "horizon": str(need.horizon_years),
    }


async def lieu_need_list(actor: Actor, lieu_id: int) -> list[NeedView]:
    """A lieu's active needs in the networks the reader may read, for the API."""
    from cobudget.services.queries.api import lieu_page_by_id

    view = await lieu_page_by_id(actor, lieu_id)
    if not view.networks:
        return []
    return await read_needs(Need.lieu == lieu_id, Need.network.is_in([n.id for n in view.networks]))
