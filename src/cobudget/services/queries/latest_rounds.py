"""The latest consent round of every challenge of some networks, judged by the consent rules,
with the challenges' titles and co-proposers: what a person's home (`queries/my_space.py`)
needs to know of the diagnosis, the same for every reader, so kept by data version
(`services/kept_reads.py`) under the set of networks.

A challenge has at most one round undecided, its latest (`domain.consent.can_open_round`), so
the latest rounds are all a to-do list needs: an open one asks for positions and answers, a
decided one may ask for a new version or a new round. Three queries when built, whatever the
number of networks, challenges, rounds and positions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from cobudget.db.rows import fetch, typed
from cobudget.db.tables import Challenge, RoundPosition
from cobudget.domain import consent
from cobudget.services.clock import now
from cobudget.services.kept_reads import kept
from cobudget.services.rounds import (
    POSITION_COLUMNS,
    PositionRow,
    StoredRound,
    pure_position,
    pure_round,
)

_LATEST = """
SELECT r.id, r.version, r.opened_at, r.deadline, r.quorum, r.closed_at, r.challenge,
       c.network AS network_id, c.lieu AS proposer_id, c.current_version AS current_version
  FROM consent_round r JOIN challenge c ON c.id = r.challenge
 WHERE c.network IN ({networks})
   AND r.id = (SELECT MAX(r2.id) FROM consent_round r2 WHERE r2.challenge = r.challenge)
 ORDER BY r.deadline, r.id
"""

# In one statement, what the rules need besides the rounds: each challenge's title (of its
# current version, or of its draft while it has none published), each co-proposer (`at`: when
# it accepted, if it did), and each lieu of the networks.
_FACTS = """
SELECT 'title' AS kind, c.id AS a, 0 AS b, v.title AS text, NULL AS at
  FROM challenge c JOIN challenge_version v ON v.challenge = c.id
   AND v.number = CASE WHEN c.current_version > 0 THEN c.current_version ELSE 1 END
 WHERE c.network IN ({networks})
UNION ALL
SELECT 'co_proposer', cp.challenge, cp.lieu, '', cp.accepted_at
  FROM co_proposer cp JOIN challenge c ON c.id = cp.challenge
 WHERE c.network IN ({networks})
UNION ALL
SELECT 'member', nl.network, nl.lieu, '', NULL
  FROM network_lieu nl WHERE nl.network IN ({networks})
"""


class RoundRow(StoredRound, frozen=True):
    challenge: int
    network_id: int
    proposer_id: int
    current_version: int


class _Fact(msgspec.Struct, frozen=True):
    kind: str  # title (a: challenge) | co_proposer (a: challenge, b: lieu) | member (a: network)
    a: int
    b: int
    text: str
    at: dt.datetime | None


@dataclass(frozen=True)
class Judged:
    """A latest round as the rules read it now: the lieux whose position stands, the standing
    objections' texts, its outcome, and its challenge's proposers."""

    row: RoundRow
    round: consent.Round
    standing: frozenset[int]
    objections: tuple[str, ...]
    outcome: consent.Outcome
    proposers: frozenset[int]


@dataclass(frozen=True)
class LatestRounds:
    rounds: tuple[Judged, ...]
    # (challenge, lieu) asked to co-propose and not answered yet
    pending_co_proposals: tuple[tuple[int, int], ...]
    titles: dict[int, str]  # challenge → current title (read only, never changed)


def ids_sql(values: Iterable[int]) -> str:
    """Integer ids written into a statement (never text): `0` for none, which matches no row."""
    return ", ".join(str(int(value)) for value in sorted(set(values))) or "0"


def latest_sql(network_ids: Iterable[int]) -> str:
    """The statement reading the latest round of every challenge of the networks."""
    return _LATEST.replace("{networks}", ids_sql(network_ids))


async def latest_rounds(network_ids: Iterable[int]) -> LatestRounds:
    """The networks' latest rounds, judged now; kept until the next write or deadline."""
    key = tuple(sorted(set(network_ids)))
    return await kept(("latest-rounds", key), lambda: _read(key))


async def _read(network_ids: tuple[int, ...]) -> LatestRounds:
    moment = now()
    networks = ids_sql(network_ids)
    rows = typed(await Challenge.raw(latest_sql(network_ids)), RoundRow)
    positions = await fetch(
        RoundPosition.select(*POSITION_COLUMNS).where(
            RoundPosition.round.is_in([row.id for row in rows] or [0])
        ),
        PositionRow,
    )
    facts = typed(await Challenge.raw(_FACTS.replace("{networks}", networks)), _Fact)
    accepted: dict[int, set[int]] = {}
    lieux: dict[int, set[int]] = {}
    for fact in facts:
        if fact.kind == "co_proposer" and fact.at is not None:
            accepted.setdefault(fact.a, set()).add(fact.b)
        elif fact.kind == "member":
            lieux.setdefault(fact.a, set()).add(fact.b)
    held: dict[int, list[consent.Position]] = {row.id: [] for row in rows}
    for position in positions:
        held[position.round].append(pure_position(position))
    judged = []
    for row in rows:
        proposers = frozenset({row.proposer_id} | accepted.get(row.challenge, set()))
        pure = pure_round(row, proposers, frozenset(lieux.get(row.network_id, set())))
        standing = consent.standing_positions(pure, held[row.id])
        judged.append(
            Judged(
                row=row,
                round=pure,
                standing=frozenset(standing),
                objections=tuple(
                    standing[lieu].text
                    for lieu in sorted(standing)
                    if standing[lieu].kind is consent.PositionKind.OBJECTION
                ),
                outcome=consent.round_outcome(pure, held[row.id], moment),
                proposers=proposers,
            )
        )
    return LatestRounds(
        rounds=tuple(judged),
        pending_co_proposals=tuple(
            (f.a, f.b) for f in facts if f.kind == "co_proposer" and f.at is None
        ),
        titles={f.a: f.text for f in facts if f.kind == "title"},
    )
