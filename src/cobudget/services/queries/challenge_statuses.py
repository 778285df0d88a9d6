"""What a search filters on besides words (issue 17): every challenge's status in a network,
and the challenges of each of its envelopes, read in three statements whatever the number of
challenges, rounds, positions, reports, envelopes and settlements: the facts they follow from,
the latest round of each challenge, and the positions taken in those rounds. The same for every
reader, so kept by data version and calendar (a round decides at its deadline with no write:
`services/kept_reads.py`).

An envelope's challenges are those `services.envelope_inputs.challenge_ids` gives (a test
checks they agree): the network's published ones not withdrawn, less those another of its
settled envelopes funded, less the previous envelope's unfunded ones a next round did not carry
over."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import msgspec

from cobudget.db.rows import fetch, typed
from cobudget.db.tables import Challenge, RoundPosition
from cobudget.domain import consent
from cobudget.domain.search import ChallengeStatus, StatusFacts, challenge_status
from cobudget.engine import canonical
from cobudget.services.clock import now
from cobudget.services.kept_reads import kept
from cobudget.services.queries.latest_rounds import RoundRow, latest_sql
from cobudget.services.rounds import POSITION_COLUMNS, PositionRow, pure_position, pure_round

# In one statement: each challenge (`b`: its current version; `text`: withdrawn or not), each
# challenge with a report published at least once, each published settlement (its bytes), each
# accepted co-proposer and each lieu of the network (the rounds' proposers and members), each
# envelope (`b`: the envelope it follows, `text`: the challenges it carried over, JSON), and each
# draft envelope (a coordinator's only: `services.search` keeps its challenges from the others).
_FACTS = """
SELECT 'challenge' AS kind, c.id AS a, c.current_version AS b,
       CASE WHEN c.withdrawn_at IS NULL THEN '' ELSE 'withdrawn' END AS text
  FROM challenge c WHERE c.network = {network}
UNION ALL
SELECT 'reported', r.challenge, 0, '' FROM report r JOIN envelope e ON e.id = r.envelope
 WHERE e.network = {network} AND r.status <> 'draft'
UNION ALL
SELECT 'settlement', s.envelope, 0, s.settlement
  FROM settlement_record s JOIN envelope e ON e.id = s.envelope WHERE e.network = {network}
UNION ALL
SELECT 'co_proposer', cp.challenge, cp.lieu, ''
  FROM co_proposer cp JOIN challenge c ON c.id = cp.challenge
 WHERE c.network = {network} AND cp.accepted_at IS NOT NULL
UNION ALL
SELECT 'member', nl.network, nl.lieu, '' FROM network_lieu nl WHERE nl.network = {network}
UNION ALL
SELECT 'envelope', e.id, COALESCE(e.previous_envelope, 0), CAST(e.carried_challenges AS TEXT)
  FROM envelope e WHERE e.network = {network}
UNION ALL
SELECT 'draft_envelope', e.id, 0, ''
  FROM envelope e WHERE e.network = {network} AND e.opened_at IS NULL AND e.settled_at IS NULL
"""


class _Fact(msgspec.Struct, frozen=True):
    kind: str
    a: int
    b: int
    text: str


class SearchFacts(msgspec.Struct, frozen=True):
    statuses: Mapping[int, ChallengeStatus]  # every challenge, drafts included
    envelopes: Mapping[int, frozenset[int]]  # envelope id → its challenges
    draft_envelopes: frozenset[int] = frozenset()  # not opened yet: their coordinators' only


async def search_facts(network_id: int) -> SearchFacts:
    """The network's statuses and envelopes' challenges (never changed in place: kept)."""
    return await kept(("search-facts", network_id), lambda: _read(int(network_id)))


async def statuses_in(network_ids: Iterable[int]) -> dict[int, ChallengeStatus]:
    """Every challenge's status in these networks (a person's home shows those it pledged to):
    the search facts of each, kept by data version."""
    found: dict[int, ChallengeStatus] = {}
    for network_id in sorted(set(network_ids)):
        found |= (await search_facts(network_id)).statuses
    return found


async def _read(network_id: int) -> SearchFacts:
    moment = now()
    facts = typed(await Challenge.raw(_FACTS.replace("{network}", str(network_id))), _Fact)
    rounds = typed(await Challenge.raw(latest_sql([network_id])), RoundRow)
    held: dict[int, list[consent.Position]] = {row.id: [] for row in rounds}
    for position in await fetch(
        RoundPosition.select(*POSITION_COLUMNS).where(
            RoundPosition.round.is_in([row.id for row in rounds] or [0])
        ),
        PositionRow,
    ):
        held[position.round].append(pure_position(position))
    members = frozenset(f.b for f in facts if f.kind == "member")
    accepted: dict[int, set[int]] = {}
    for fact in facts:
        if fact.kind == "co_proposer":
            accepted.setdefault(fact.a, set()).add(fact.b)
    outcomes = {}
    for row in rounds:
        proposers = frozenset({row.proposer_id} | accepted.get(row.challenge, set()))
        pure = pure_round(row, proposers, members)
        outcomes[row.challenge] = (row.version, consent.round_outcome(pure, held[row.id], moment))
    settled = {
        fact.a: canonical.decode_settlement(fact.text.encode()).challenges
        for fact in facts
        if fact.kind == "settlement"
    }
    funded_by = {e: {c.challenge_id for c in cs if c.funded} for e, cs in settled.items()}
    funded = set().union(*funded_by.values())
    reported = {f.a for f in facts if f.kind == "reported"}
    found: dict[int, ChallengeStatus] = {}
    for fact in facts:
        if fact.kind != "challenge":
            continue
        version, outcome = outcomes.get(fact.a, (None, None))
        found[fact.a] = challenge_status(
            StatusFacts(
                current_version=fact.b,
                withdrawn=fact.text == "withdrawn",
                reported=fact.a in reported,
                funded=fact.a in funded,
                latest_round_version=version,
                latest_round_outcome=outcome.value if outcome else None,
            )
        )
    # As `envelope_inputs.challenge_ids`: published and not withdrawn (a withdrawn challenge
    # leaves every envelope).
    published = {f.a for f in facts if f.kind == "challenge" and f.b > 0 and f.text != "withdrawn"}
    envelopes: dict[int, frozenset[int]] = {}
    for fact in facts:
        if fact.kind == "envelope":
            elsewhere = set().union(*(ids for e, ids in funded_by.items() if e != fact.a))
            unfunded = {c.challenge_id for c in settled.get(fact.b, ()) if not c.funded}
            left_behind = unfunded - set(json.loads(fact.text or "[]"))
            envelopes[fact.a] = frozenset(published - elsewhere - left_behind)
    drafts = frozenset(f.a for f in facts if f.kind == "draft_envelope")
    return SearchFacts(statuses=found, envelopes=envelopes, draft_envelopes=drafts)


# In one statement, what one challenge's status needs besides its page and its rounds: whether
# a report on it was published, and the network's published settlements (their bytes).
_ONE = """
SELECT 'reported' AS kind, '' AS text FROM report r
 WHERE r.challenge = {challenge} AND r.status <> 'draft'
UNION ALL
SELECT 'settlement', s.settlement
  FROM settlement_record s JOIN envelope e ON e.id = s.envelope WHERE e.network = {network}
"""


class _OneFact(msgspec.Struct, frozen=True):
    kind: str
    text: str


async def status_of(
    *,
    network_id: int,
    challenge_id: int,
    current_version: int,
    withdrawn: bool,
    latest_round: tuple[int, str] | None,
) -> ChallengeStatus:
    """One challenge's status for its own page (issue 18's badge), the same as `search_facts`
    gives it: the page already holds its version, whether it is withdrawn and its latest round
    (version, outcome), so one statement reads the rest (`search_facts` takes three)."""

    async def read() -> ChallengeStatus:
        sql = _ONE.replace("{challenge}", str(int(challenge_id)))
        facts = typed(await Challenge.raw(sql.replace("{network}", str(int(network_id)))), _OneFact)
        funded = any(
            c.funded and c.challenge_id == challenge_id
            for f in facts
            if f.kind == "settlement"
            for c in canonical.decode_settlement(f.text.encode()).challenges
        )
        return challenge_status(
            StatusFacts(
                current_version=current_version,
                withdrawn=withdrawn,
                reported=any(f.kind == "reported" for f in facts),
                funded=funded,
                latest_round_version=latest_round[0] if latest_round else None,
                latest_round_outcome=latest_round[1] if latest_round else None,
            )
        )

    key = ("challenge-status", challenge_id, current_version, withdrawn, latest_round)
    return await kept(key, read)
