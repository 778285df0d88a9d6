"""API: a network's challenges, one challenge with its versions, one version with its budget
lines, and the consent rounds with each lieu's position. A draft is its proposers' only; the
diagnosis is public wherever the challenge is."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import QueryParameter
from msgspec.structs import asdict

from cobudget.domain import challenges as rules
from cobudget.domain.challenges import Licence
from cobudget.domain.permissions import Actor
from cobudget.domain.search import MAX_QUERY_LENGTH, ChallengeStatus
from cobudget.services import search
from cobudget.services.queries import challenges as queries
from cobudget.services.queries import rounds as round_queries
from cobudget.web.api.pagination import (
    Id,
    PagingDep,
    as_schema,
    paginate,
)
from cobudget.web.api.problems import READ
from cobudget.web.api.schemas import (
    ChallengeOut,
    ChallengeSummaryPage,
    RoundPage,
    VersionOut,
    VersionRefPage,
)
from cobudget.web.forms import MAX_ID, ActorDep

Words = Annotated[
    str,
    QueryParameter(
        max_length=MAX_QUERY_LENGTH,
        description="Words of the title, problem or proposed commons (accents and case ignored,"
        " each word a prefix).",
    ),
]
Territory = Annotated[
    str, QueryParameter(max_length=120, description="Territory of the proposing lieu.")
]
FilterId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]


@get(
    "/networks/{network_id:int}/challenges",
    responses=READ,
    summary="Published challenges, searched and filtered",
)
async def network_challenges(
    actor: ActorDep,
    network_id: Id,
    paging: PagingDep,
    q: Words = "",
    status: Annotated[
        ChallengeStatus | None, QueryParameter(description="Where the challenge stands.")
    ] = None,
    envelope: FilterId = None,
    lieu: FilterId = None,
    territory: Territory = "",
    licence: Annotated[
        Licence | None, QueryParameter(description="Licence of the current version.")
    ] = None,
) -> ChallengeSummaryPage:
    """`lieu`: a lieu that proposes, co-proposes or is concerned. Newest first (ranking by
    relevance cost seconds on frequent words: docs/performance.md); drafts only with
    `status=draft`, to their proposers."""
    found = await search.search_challenges(
        actor,
        network_id,
        search.ChallengeQuery(
            words=q,
            status=status,
            envelope_id=envelope or 0,
            lieu_id=lieu or 0,
            territory=territory,
            licence=licence.value if licence else "",
            page=paging.page,
            per_page=paging.per_page,
        ),
        with_status=True,
    )
    items = [asdict(hit.summary) | {"status": hit.status} for hit in found.items]
    fields = {"total": found.total, "page": found.page, "per_page": found.per_page}
    return as_schema(fields | {"items": items}, ChallengeSummaryPage)


def _version(page: queries.ChallengePage, version: rules.ChallengeVersion) -> VersionOut:
    published = {ref.number: ref.published_at for ref in page.versions}
    return as_schema(
        {
            "number": version.number,
            "title": version.title,
            "problem": version.problem,
            "commons": version.commons,
            "users": version.users,
            "licence": version.licence,
            "requested_cents": version.requested_cents,
            "budget_lines": version.budget_lines,
            "total_min_cents": rules.total_min_cents(version.budget_lines),
            "total_max_cents": rules.total_max_cents(version.budget_lines),
            "published_at": published.get(version.number),
        },
        VersionOut,
    )


@get("/challenges/{challenge_id:int}", responses=READ, summary="One challenge")
async def challenge(actor: ActorDep, challenge_id: Id) -> ChallengeOut:
    page = await queries.challenge_page(actor, challenge_id)
    fields = asdict(page) | {"network_id": page.network.id}
    return as_schema(fields | {"version": _version(page, page.version)}, ChallengeOut)


@get(
    "/challenges/{challenge_id:int}/versions",
    responses=READ,
    summary="Published versions of a challenge",
)
async def versions(
    actor: ActorDep,
    challenge_id: Id,
    paging: PagingDep,
) -> VersionRefPage:
    shown = await queries.challenge_page(actor, challenge_id)
    return paginate(shown.versions, VersionRefPage, paging)


@get(
    "/challenges/{challenge_id:int}/versions/{number:int}",
    responses=READ,
    summary="One published version, with its budget lines",
)
async def version(actor: ActorDep, challenge_id: Id, number: Id) -> VersionOut:
    page, shown = await queries.version_page(actor, challenge_id, number)
    return _version(page, shown)


async def _rounds(actor: Actor, challenge_id: int) -> list[round_queries.RoundView]:
    page = await queries.challenge_page(actor, challenge_id)
    return (await round_queries.diagnosis_panel(actor, page)).rounds


@get(
    "/challenges/{challenge_id:int}/rounds",
    responses=READ,
    summary="Consent rounds of a challenge (newest first), with positions",
)
async def rounds(
    actor: ActorDep,
    challenge_id: Id,
    paging: PagingDep,
) -> RoundPage:
    return paginate(await _rounds(actor, challenge_id), RoundPage, paging)


ROUTES = [network_challenges, challenge, versions, version, rounds]
