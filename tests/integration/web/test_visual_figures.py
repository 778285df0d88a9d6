"""The figures of issue 18's pictures are those of the tables beside them and of the services
they come from: the projection's chart (each challenge's sources, minimum, maximum, funded or
not), a round's positions, and the status badges of the challenge page and the network's list."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from litestar.testing import AsyncTestClient

from cobudget.db.tables import Envelope, Report
from cobudget.domain.permissions import VISITOR
from cobudget.services.queries import challenges as challenge_queries
from cobudget.services.queries import rounds as round_queries
from cobudget.services.queries.challenge_statuses import search_facts
from cobudget.services.queries.projection import page_projection
from tests.integration.conftest import World, log_in, pledge_by_form


class _Elements(HTMLParser):
    """Every element's tag, attributes and text directly inside it, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str], list[str]]] = []
        self._open: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}, []))
        if tag not in ("rect", "line", "input", "br", "meta", "link", "img"):
            self._open.append(len(self.found) - 1)

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for index in self._open:
            self.found[index][2].append(data)


def _elements(html: str) -> list[tuple[str, dict[str, str], str]]:
    parser = _Elements()
    parser.feed(html)
    return [(tag, attrs, "".join(text)) for tag, attrs, text in parser.found]


def _cents(text: str) -> int:
    """« 1 200,00 € » → 120000."""
    digits = re.sub(r"[^\d,]", "", text)
    euros, _, cents = digits.partition(",")
    return int(euros) * 100 + int(cents or 0)


async def _check_projection(client: AsyncTestClient, envelope_id: int) -> int:  # type: ignore[type-arg]
    response = await client.get(f"/enveloppes/{envelope_id}")
    assert response.status_code == 200
    html = response.text
    _view, projection = await page_projection(VISITOR, envelope_id)
    svg = _elements(
        html[
            html.index('id="graphique-projection"') : html.index(
                "</svg>", html.index('id="graphique-projection"')
            )
        ]
    )
    table = _elements(
        html[
            html.index('id="tableau-projection"') : html.index(
                "</table>", html.index('id="tableau-projection"')
            )
        ]
    )
    rows = [attrs for tag, attrs, _ in svg if tag == "g" and "data-challenge" in attrs]
    assert [int(r["data-challenge"]) for r in rows] == [c.id for c in projection.challenges]
    # Per challenge: the segments drawn, keyed by (challenge, kind), in the order of the page.
    drawn: dict[tuple[int, str], int] = {}
    current = 0
    for tag, attrs, _ in svg:
        if tag == "g" and "data-challenge" in attrs:
            current = int(attrs["data-challenge"])
        if tag == "rect" and "data-cents" in attrs:
            drawn[current, attrs["data-kind"]] = int(attrs["data-cents"])
    cells: dict[tuple[int, str], int] = {}
    for tag, attrs, text in table:
        if tag == "tr" and "data-challenge" in attrs:
            current = int(attrs["data-challenge"])
        if tag == "td" and "data-kind" in attrs:
            cells[current, attrs["data-kind"]] = _cents(text)
    has_match = any(c.match_cents for c in projection.challenges)
    for row, challenge in zip(rows, projection.challenges, strict=True):
        c = challenge.id
        assert row["data-funded"] == str(challenge.funded).lower()
        received = challenge.total_cents if challenge.funded else 0
        assert int(row["data-received"]) == cells[c, "received"] == received
        assert int(row["data-pledged"]) == cells[c, "pledged"] == challenge.pledged_cents
        assert int(row["data-min"]) == cells[c, "min"] == challenge.min_cents
        assert int(row["data-max"]) == cells[c, "max"] == challenge.max_cents
        sources = {
            "drawing_rights": challenge.drawing_rights_cents,
            "own_funds": challenge.own_funds_cents,
            "match": challenge.match_cents,
        }
        for kind, cents in sources.items():
            expected = cents if challenge.funded else 0
            assert drawn.get((c, kind), 0) == expected
            if kind != "match" or has_match:
                assert cells[c, kind] == expected
        assert sum(drawn.get((c, kind), 0) for kind in sources) == received
        assert drawn.get((c, "pledged"), 0) == (0 if challenge.funded else challenge.pledged_cents)
    return len(rows)


async def _pledge(client: AsyncTestClient, world: World) -> None:  # type: ignore[type-arg]
    """A member of the test lieu pledges 600 € to the consented challenge, then logs out."""
    await log_in(client, world.emails["member"])
    await pledge_by_form(client, world, "600")
    client.cookies.clear()


async def test_the_projection_chart_its_table_and_the_service_give_the_same_figures(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    # A live projection with a lieu's pledge, then a published settlement.
    await _pledge(client, world)
    assert await _check_projection(client, world.envelope_id) >= 1
    assert await _check_projection(client, world.settled_envelope_id) >= 1


async def test_a_rounds_chart_counts_what_its_table_and_the_rounds_positions_say(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    for challenge_id in (world.challenge_id, world.consented_challenge_id):
        html = (await client.get(f"/defis/{challenge_id}")).text
        view = await challenge_queries.challenge_page(VISITOR, challenge_id)
        panel = await round_queries.diagnosis_panel(VISITOR, view)
        assert panel.rounds
        for round_ in panel.rounds:
            start = html.rindex("<svg", 0, html.index(f'id="positions-{round_.id}"'))
            svg = _elements(html[start : html.index("</svg>", start)])
            table_at = html.index(f'id="positions-{round_.id}-tableau"')
            table = _elements(html[table_at : html.index("</table>", table_at)])
            drawn = {a["data-kind"]: int(a["data-count"]) for t, a, _ in svg if "data-count" in a}
            written = {}
            kind = ""
            for tag, attrs, text in table:
                if tag == "tr":
                    kind = attrs["data-kind"]
                if tag == "td":
                    written[kind] = int(text)
            kinds = [p.kind for p in round_.positions]
            expected = {k: kinds.count(k) for k in ("consent", "concern", "objection")}
            expected["awaited"] = round_.eligible - len(kinds)
            assert written == expected
            assert drawn == {k: n for k, n in expected.items() if n}
            assert int(svg[0][1]["data-eligible"]) == round_.eligible > 0


async def test_every_challenge_shows_the_status_the_search_gives_it(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    statuses = (await search_facts(world.network_id)).statuses
    listed = (await client.get(f"/reseaux/{world.network_slug}")).text
    shown = 0
    for challenge_id, status in statuses.items():
        if status == "draft":
            continue  # a draft is its proposers' only, and not listed
        page = (await client.get(f"/defis/{challenge_id}")).text
        assert f'<span class="badge badge-{status.value}">' in page, (challenge_id, status)
        card = listed[listed.index(f'<a href="/defis/{challenge_id}">') :]
        card = card[: card.index("</article>")]
        assert f"badge-{status.value}" in card, (challenge_id, status)
        shown += 1
    assert shown >= 4 and {"reported", "consented", "diagnosis"} <= {
        s.value for s in statuses.values()
    }


async def test_a_cards_pledged_so_far_adds_up_the_projections_of_the_envelopes_under_way(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await _pledge(client, world)
    under_way = [
        row["id"]
        for row in await Envelope.select(Envelope.id)
        .where(Envelope.network == world.network_id)
        .where(Envelope.opened_at.is_not_null())
        .where(Envelope.settled_at.is_null())
    ]
    expected: dict[int, int] = {}
    for envelope_id in under_way:
        _view, projection = await page_projection(VISITOR, envelope_id)
        for challenge in projection.challenges:
            expected[challenge.id] = expected.get(challenge.id, 0) + challenge.pledged_cents
    response = await client.get(f"/reseaux/{world.network_slug}")
    assert response.status_code == 200
    html = response.text
    drawn = {
        int(attrs["id"].removeprefix("barre-defi-")): int(attrs["data-amount"])
        for tag, attrs, _ in _elements(html)
        if tag == "svg" and attrs.get("id", "").startswith("barre-defi-")
    }
    assert drawn == {c: cents for c, cents in expected.items() if cents}
    assert drawn[world.consented_challenge_id] >= 600_00


async def test_a_funded_challenge_without_a_published_report_shows_funded_on_its_page(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    # Its reports taken back to drafts: what is left is the settlement that funded it.
    await Report.update({Report.status: "draft"}).where(
        Report.challenge == world.funded_challenge_id
    )
    statuses = (await search_facts(world.network_id)).statuses
    assert statuses[world.funded_challenge_id] == "funded"
    page = (await client.get(f"/defis/{world.funded_challenge_id}")).text
    assert '<span class="badge badge-funded">Financé</span>' in page


async def test_the_personal_space_shows_each_pledged_challenges_status(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await _pledge(client, world)
    await log_in(client, world.emails["member"])
    page = (await client.get("/mon-espace")).text
    status = (await search_facts(world.network_id)).statuses[world.consented_challenge_id]
    link = f'<a href="/defis/{world.consented_challenge_id}">'
    line = page[page.index(link) :]
    line = line[: line.index("</li>")]
    assert f'<span class="badge badge-{status.value}">' in line and status == "consented"
