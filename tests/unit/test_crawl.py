"""The crawl behind tests/e2e/test_every_page_fits.py: a path belongs to its route, only pages
of the site are followed, and the frontier takes a couple of pages per route and stops."""

from __future__ import annotations

from tests.support.crawl import Frontier, RoutePatterns, page_link

ROUTES = RoutePatterns(
    [
        "/",
        "/lieux/{slug:str}",
        "/lieux/{slug:str}/personnes",
        "/reseaux/{slug:str}/defis/nouveau",
        "/reseaux/{slug:str}/{page:str}",
        "/defis/{challenge_id:int}",
    ]
)
ORIGIN = "http://127.0.0.1:8000"


def test_a_path_belongs_to_the_route_with_the_most_literal_characters() -> None:
    assert ROUTES.of("/lieux/la-forge") == "/lieux/{slug:str}"
    assert ROUTES.of("/lieux/la-forge/personnes") == "/lieux/{slug:str}/personnes"
    assert ROUTES.of("/reseaux/massif/defis/nouveau") == "/reseaux/{slug:str}/defis/nouveau"
    assert ROUTES.of("/reseaux/massif/besoins") == "/reseaux/{slug:str}/{page:str}"
    assert ROUTES.of("/defis/7") == "/defis/{challenge_id:int}"
    assert ROUTES.of("/nulle-part/1") == "/nulle-part/1"


def test_only_pages_of_the_site_are_followed() -> None:
    here = ORIGIN + "/reseaux/massif"
    assert page_link("/defis/7", here, ORIGIN) == "/defis/7"
    assert page_link("besoins?theme=mobilite", here + "/", ORIGIN) == (
        "/reseaux/massif/besoins?theme=mobilite"
    )
    assert page_link("#lieux", here, ORIGIN) == "/reseaux/massif"
    for href in (
        "https://exemple.fr/",
        "mailto:contact@exemple.fr",
        "/langue/en?next=/",
        "/deconnexion",
        "/enveloppes/1/donnees/settlement.csv",
        "/enveloppes/1/reglement.json",
        "/documents/3",
        "/static/app/app.css",
        "/api/reseaux",
        "/schema/openapi.json",
    ):
        assert page_link(href, here, ORIGIN) is None, href


def test_the_frontier_takes_two_pages_a_route_and_stops_at_its_limit() -> None:
    frontier = Frontier(ROUTES, per_route=2, limit=4)
    frontier.add(["/", "/lieux/a", "/lieux/b", "/lieux/c", "/defis/1", "/lieux/a", "/defis/2"])
    taken = []
    while (step := frontier.next()) is not None:
        taken.append(step)
    assert taken == [
        ("/", "/"),
        ("/lieux/a", "/lieux/{slug:str}"),
        ("/lieux/b", "/lieux/{slug:str}"),
        ("/defis/1", "/defis/{challenge_id:int}"),
    ]
