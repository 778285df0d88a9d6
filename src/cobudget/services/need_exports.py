"""Open data: a network's needs as CSV and JSON (docs/open-data.md), archived ones included, so
the record of what the lieux asked for stays whole; the same encoding as an envelope's exports
(`services.exports`: UTF-8, ISO dates, cents, text cells kept from being read as formulas)."""

from __future__ import annotations

from cobudget.db.tables import Need
from cobudget.domain import needs as rules
from cobudget.domain.permissions import Actor
from cobudget.services import exports
from cobudget.services.queries.needs import read_needs
from cobudget.services.queries.networks import network_by_slug

TABLE = "needs"
COLUMNS = (
    "need_id",
    "network_id",
    "lieu_id",
    "lieu_name",
    "title",
    "lacks",
    "commons",
    "min_cents",
    "max_cents",
    "theme",
    "horizon_years",
    "created_at",
    "updated_at",
    "archived_at",
    "challenge_id",
    "joined_lieu_ids",
)


async def rows(actor: Actor, network_slug: str) -> list[dict[str, object]]:
    """Every need of the network (the reader may read the network), oldest first."""
    network = await network_by_slug(actor, network_slug)
    return [
        {
            "need_id": need.id,
            "network_id": need.network_id,
            "lieu_id": need.lieu.id,
            "lieu_name": need.lieu.name,
            "title": need.title,
            "lacks": need.lacks,
            "commons": need.commons,
            "min_cents": need.min_cents,
            "max_cents": need.max_cents,
            "theme": need.theme,
            "horizon_years": need.horizon_years,
            "created_at": need.created_at.isoformat(),
            "updated_at": need.updated_at.isoformat(),
            "archived_at": need.archived_at.isoformat() if need.archived_at else None,
            "challenge_id": need.challenge_id,
            "joined_lieu_ids": ";".join(str(lieu.id) for lieu in need.joined),
        }
        for need in await read_needs(
            Need.network == network.id, archived=True, limit=rules.MAX_NEEDS_PER_EXPORT
        )
    ]


def to_csv(data: list[dict[str, object]]) -> bytes:
    return exports.to_csv(TABLE, data, columns=COLUMNS)


def to_json(data: list[dict[str, object]]) -> bytes:
    return exports.to_json(TABLE, data, columns=COLUMNS)
