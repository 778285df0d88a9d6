"""Public pages: the list of networks, a network with its lieux, a lieu, the glossary; the
language switch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from cobudget.domain.challenges import Licence
from cobudget.domain.permissions import Action, Target, decide
from cobudget.domain.search import ChallengeStatus
from cobudget.i18n import LOCALES
from cobudget.services import accounts, search
from cobudget.services.queries import challenges as challenge_queries
from cobudget.services.queries import envelopes as envelope_queries
from cobudget.services.queries import needs as need_queries
from cobudget.services.queries import networks as queries
from cobudget.services.queries.challenge_statuses import search_facts
from cobudget.services.queries.documents import lieu_picture
from cobudget.services.queries.lieu_record import lieu_record
from cobudget.services.queries.pledged import pledged_so_far
from cobudget.web import search_params
from cobudget.web.context import LOCALE_COOKIE
from cobudget.web.forms import ActorDep, SettingsDep
from cobudget.web.render import page


@dataclass(frozen=True)
class SearchView:
    """The search box and filters of a network's challenges, as the template shows them."""

    values: dict[str, str]  # the fields asked for
    found: search.SearchResult | None  # None: no search, the whole list
    statuses: list[str]
    licences: list[str]
    territories: list[str]
    previous: str  # links to the other pages of the results, filters kept
    next: str


@get("/", name="home")
async def home(request: Request[Any, Any, Any], actor: ActorDep) -> Template:
    return await page(request, "public/home.html", networks=await queries.visible_networks(actor))


@get("/reseaux/{slug:str}", name="network")
async def network(
    request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]
) -> Template:
    view = await queries.network_page(actor, slug)
    query = search_params.challenge_query(request.query_params)
    values = search_params.asked(request.query_params)
    found = None
    if values or query.page > 1:  # a search; the whole list otherwise, kept as it was
        found = await search.search_challenges(actor, view.network.id, query, with_status=True)
    path = request.url.path
    return await page(
        request,
        "public/network.html",
        view=view,
        # While searching, the results stand in for the whole list (not read twice).
        challenges=()
        if found
        else await challenge_queries.network_challenges(actor, view.network.id),
        # Each card's status badge and what is pledged to it so far (kept by data version).
        statuses={} if found else (await search_facts(view.network.id)).statuses,
        pledged=await pledged_so_far(view.network.id),
        search=SearchView(
            values=values,
            found=found,
            statuses=[s.value for s in ChallengeStatus if s != "draft" or actor.member_of],
            licences=[licence.value for licence in Licence],
            territories=sorted({lieu.territory for lieu in view.lieux if lieu.territory}),
            previous=search_params.page_link(path, values, query.page - 1)
            if found and query.page > 1
            else "",
            next=search_params.page_link(path, values, query.page + 1)
            if found and query.page < found.pages
            else "",
        ),
        envelopes=await envelope_queries.network_envelopes(actor, view.network.id),
        can_manage_envelopes=decide(
            actor, Action.ENVELOPE_MANAGE, Target(network_id=view.network.id)
        ).allowed,
        can_propose=any(
            decide(
                actor,
                Action.CHALLENGE_PROPOSE,
                Target(
                    network_id=view.network.id,
                    lieu_id=lieu.id,
                    lieu_network_ids=frozenset({view.network.id}),
                ),
            ).allowed
            for lieu in view.lieux
        ),
    )


@get("/lieux/{slug:str}", name="lieu")
async def lieu(request: Request[Any, Any, Any], actor: ActorDep, slug: FromPath[str]) -> Template:
    view = await queries.lieu_page(actor, slug)
    return await page(
        request,
        "public/lieu.html",
        view=view,
        record=await lieu_record(view.lieu.id, [n.id for n in view.networks]),
        picture_id=await lieu_picture(view.lieu.id),
        needs=await need_queries.lieu_needs(actor, view.lieu.id, view.networks),
        ok=request.query_params.get("ok", ""),
    )


@get("/langue/{code:str}", name="language")
async def language(
    code: FromPath[str], settings: SettingsDep, actor: ActorDep, next: FromQuery[str] = "/"
) -> Redirect:
    """Switch language with a plain link, so it works without JavaScript; for someone logged
    in, their emails follow (the language is kept on their account)."""
    response = Redirect(path=same_site(next), status_code=303)
    if code in LOCALES:
        await accounts.set_locale(actor, code)
        response.set_cookie(
            LOCALE_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="lax",
            secure=settings.https,
        )
    return response


@get("/glossaire", name="glossary")
async def glossary(request: Request[Any, Any, Any]) -> Template:
    """The words of the product (SPEC §3) in plain French, each with its anchor, and the three
    allocation rules explained at length: the pages that use a word link here (issue 18)."""
    return await page(request, "public/glossary.html")


def same_site(target: str) -> str:
    """A path of this site, or "/": browsers read `/\\host` and a path with a tab or a line
    break in it (which they drop) as `//host`, another site."""
    local = target.startswith("/") and not target.startswith(("//", "/\\"))
    return target if local and not any(ord(c) < 0x20 or c == "\\" for c in target) else "/"


FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    b'<circle cx="16" cy="16" r="14" fill="#1d6b4f"/>'
    b'<text x="16" y="22" font-size="16" text-anchor="middle" fill="#fff">C</text></svg>'
)


@get("/favicon.ico", name="favicon", include_in_schema=False)
async def favicon() -> Response[bytes]:
    return Response(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


ROUTES = [home, network, lieu, glossary, language, favicon]
