"""What is pledged so far to each challenge of a network (issue 18's cards): the pledges of its
envelopes opened and not settled yet, added up per challenge in one statement whatever the
number of challenges and pledges. Totals only: while an envelope hides who pledged (SPEC §4),
its totals stay public, as on its projection. The same for every reader, so kept by data
version (`services/kept_reads.py`)."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from cobudget.db.rows import typed
from cobudget.db.tables import Pledge
from cobudget.services.kept_reads import kept

_PLEDGED = """
SELECT p.challenge AS challenge, CAST(SUM(p.amount_cents) AS BIGINT) AS pledged_cents
  FROM pledge p JOIN envelope e ON e.id = p.envelope
 WHERE e.network = {network} AND e.opened_at IS NOT NULL AND e.settled_at IS NULL
 GROUP BY p.challenge
HAVING SUM(p.amount_cents) > 0
"""


class _Pledged(msgspec.Struct, frozen=True):
    challenge: int
    pledged_cents: int


async def pledged_so_far(network_id: int) -> Mapping[int, int]:
    """Challenge id → cents pledged to it in the network's envelopes not settled yet; a
    challenge with nothing pledged is left out."""

    async def read() -> Mapping[int, int]:
        sql = _PLEDGED.replace("{network}", str(int(network_id)))
        rows = typed(await Pledge.raw(sql), _Pledged)
        return {row.challenge: row.pledged_cents for row in rows}

    return await kept(("pledged-so-far", network_id), read)
