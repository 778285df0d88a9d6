"""Reads only the JSON API needs: the pages find a lieu by its slug, the API by its id."""

from __future__ import annotations

from cobudget.db.tables import Lieu
from cobudget.domain.errors import NotFound


async def lieu_slug(lieu_id: int) -> str:
    """The slug of a lieu, for the page queries keyed by slug; NotFound for an unknown id."""
    row = await Lieu.select(Lieu.slug).where(Lieu.id == lieu_id).first()
    if row is None:
        raise NotFound("lieu", lieu_id)
    return str(row["slug"])
