"""Reads only the JSON API needs: the pages find a lieu by its slug, the API by its id; and a
pledge as stored, to answer a write with what it left in place."""

from __future__ import annotations

from cobudget.db.tables import Lieu, Pledge
from cobudget.domain.errors import NotFound


async def lieu_slug(lieu_id: int) -> str:
    """The slug of a lieu, for the page queries keyed by slug; NotFound for an unknown id."""
    row = await Lieu.select(Lieu.slug).where(Lieu.id == lieu_id).first()
    if row is None:
        raise NotFound("lieu", lieu_id)
    return str(row["slug"])


async def pledge_amount_cents(
    *,
    envelope_id: int,
    challenge_id: int,
    source: str,
    lieu_id: int | None,
    org_id: int | None,
) -> int:
    """What the contributor has pledged to the challenge from `source` (0 when nothing)."""
    contributor = (Pledge.lieu == lieu_id) if lieu_id is not None else (Pledge.org == org_id)
    row = (
        await Pledge.select(Pledge.amount_cents)
        .where(Pledge.envelope == envelope_id)
        .where(Pledge.challenge == challenge_id)
        .where(Pledge.source == source)
        .where(contributor)
        .first()
    )
    return int(row["amount_cents"]) if row else 0
