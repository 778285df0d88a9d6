"""Reads only the JSON API needs: the pages find a lieu by its slug, the API by its id."""

from __future__ import annotations

from cobudget.db.rows import fetch_one
from cobudget.db.tables import Lieu
from cobudget.domain.errors import NotFound
from cobudget.domain.permissions import Actor
from cobudget.services.queries.networks import (
    LieuPage,
    LieuRow,
    lieu_row_columns,
    lieu_view,
)


async def lieu_page_by_id(actor: Actor, lieu_id: int) -> LieuPage:
    """A lieu's page, as `networks.lieu_page` reads it by slug; NotFound for an unknown id."""
    row = await fetch_one(
        Lieu.select(*lieu_row_columns()).where(Lieu.id == lieu_id).first(), LieuRow
    )
    if row is None:
        raise NotFound("lieu", lieu_id)
    return await lieu_view(actor, row)
