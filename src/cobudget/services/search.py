"""Finding a network's challenges (issue 17): by words, status, envelope, lieu, territory and
licence, a page at a time, on SQLite or PostgreSQL alike.

One statement of the database's own full-text search (`db/search.py`) gives the ids that match
the words and the stored filters, best first; the status and the envelope, which follow from
rounds judged now and from published settlements, are read in three statements kept by data
version (`services/kept_reads.py`); the summaries of the page's challenges in three more. So a
search reads a fixed number of times whatever the number of challenges, and only the ids of
all its matches.
"""

from __future__ import annotations

import msgspec

from cobudget.db import search as db
from cobudget.domain import search as rules
from cobudget.domain.permissions import Action, Actor, Target, decide
from cobudget.domain.search import ChallengeStatus
from cobudget.services.queries.challenge_statuses import search_facts
from cobudget.services.queries.challenges import ChallengeSummary, challenge_summaries
from cobudget.services.queries.networks import network_by_id

DEFAULT_PER_PAGE = 20
MAX_PAGE = 10_000


class ChallengeQuery(msgspec.Struct, frozen=True):
    """A search, as checked by the page or the API: every field bounded there."""

    words: str = ""
    status: ChallengeStatus | None = None
    envelope_id: int = 0
    lieu_id: int = 0
    territory: str = ""
    licence: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def is_search(self) -> bool:
        """Whether anything narrows the list (the page alone does not)."""
        return bool(
            rules.words_of(self.words)
            or self.status
            or self.envelope_id
            or self.lieu_id
            or self.territory
            or self.licence
        )


class ChallengeHit(msgspec.Struct, frozen=True):
    summary: ChallengeSummary
    status: ChallengeStatus | None  # None when not asked for (`with_status`)


class SearchResult(msgspec.Struct, frozen=True):
    total: int
    page: int
    per_page: int
    items: tuple[ChallengeHit, ...]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


async def search_challenges(
    actor: Actor, network_id: int, query: ChallengeQuery, *, with_status: bool = False
) -> SearchResult:
    """A page of the network's challenges that match `query`, with how many match in all.

    Drafts are found only when asked for (status draft), by the members of their proposing
    lieux; a private network only by those who may read it (for the others NotFound, as the
    network itself, before anything is searched). Newest first (`db.search.matching_ids`)."""
    await network_by_id(actor, network_id)  # refuses a network the actor may not read
    if "\x00" in query.territory:
        # No lieu's territory holds a NUL (PostgreSQL's text cannot, and refuses it as a
        # parameter): nothing matches.
        return SearchResult(total=0, page=query.page, per_page=query.per_page, items=())
    words = rules.words_of(query.words)
    sqlite = db.is_sqlite()
    filters = db.Filters(
        network_id=network_id,
        match=(rules.fts5_match(words) if sqlite else rules.tsquery(words)) if words else "",
        licence=query.licence,
        lieu_id=query.lieu_id,
        territory=query.territory,
        draft_lieux=tuple(sorted(actor.member_of)) if query.status is ChallengeStatus.DRAFT else (),
    )
    start = (query.page - 1) * query.per_page
    facts = None
    if with_status or query.status is not None or query.envelope_id:
        facts = await search_facts(network_id)
    status_of = facts.statuses if facts else {}
    if facts is None or (query.status is None and not query.envelope_id):
        shown, total = await db.matching_ids(filters, limit=query.per_page, offset=start)
    else:  # status and envelope follow from facts the database does not hold: every match
        ids, _all = await db.matching_ids(filters)
        if query.status is not None:
            ids = [i for i in ids if status_of.get(i) is query.status]
        if query.envelope_id:  # an envelope of another network holds none of these
            inside = facts.envelopes.get(query.envelope_id, frozenset())
            if (
                query.envelope_id in facts.draft_envelopes
                and not decide(actor, Action.ENVELOPE_MANAGE, Target(network_id=network_id)).allowed
            ):
                inside = frozenset()  # a draft is its coordinators' only, as if unknown
            ids = [i for i in ids if i in inside]
        shown, total = ids[start : start + query.per_page], len(ids)
    summaries = await challenge_summaries(shown)
    items = tuple(
        ChallengeHit(summary=summaries[i], status=status_of.get(i)) for i in shown if i in summaries
    )
    return SearchResult(total=total, page=query.page, per_page=query.per_page, items=items)
