"""A visitor reads a network's public pages, in French or English, without JavaScript."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.conftest import World
from tests.support import factories


async def test_visitor_reads_the_network_and_its_lieux_in_french(
    client: AsyncTestClient, world: World
) -> None:  # type: ignore[type-arg]
    response = await client.get(f"/reseaux/{world.network_slug}")
    assert response.status_code == 200
    page = response.text
    assert "Les lieux du réseau" in page
    assert "La Fabrique" in page and "Le Comptoir" in page
    assert "Association" in page and "SCIC" in page
    assert "Tarn" in page and "Albi" in page
    assert "Département Test" in page
    assert '<html lang="fr">' in page


async def test_home_lists_public_networks_with_their_lieu_count(
    client: AsyncTestClient, world: World
) -> None:  # type: ignore[type-arg]
    response = await client.get("/")
    assert response.status_code == 200
    assert "Réseau Test" in response.text
    assert "2 lieux membres" in response.text


async def test_lieu_page_shows_its_profile(client: AsyncTestClient, world: World) -> None:  # type: ignore[type-arg]
    response = await client.get(f"/lieux/{world.lieu_slug}")
    assert response.status_code == 200
    assert "La Fabrique" in response.text and "Association" in response.text


async def test_language_switch_gives_english_and_remembers_it(
    client: AsyncTestClient, world: World
) -> None:  # type: ignore[type-arg]
    switch = await client.get(
        f"/langue/en?next=/reseaux/{world.network_slug}", follow_redirects=False
    )
    assert switch.status_code == 303
    assert switch.headers["location"] == f"/reseaux/{world.network_slug}"
    page = (await client.get(f"/reseaux/{world.network_slug}")).text
    assert '<html lang="en">' in page
    assert "The network’s lieux" in page
    assert "Français" in page


@pytest.mark.parametrize(
    "target", ["//evil.example", "/%5Cevil.example", "/%09/evil.example", "/%0A/evil.example"]
)
async def test_language_switch_refuses_to_redirect_elsewhere(
    client: AsyncTestClient,  # type: ignore[type-arg]
    db: str,
    target: str,
) -> None:
    """Browsers read `/\\host`, and `/<tab>/host` once they drop the tab, as `//host`."""
    switch = await client.get(f"/langue/en?next={target}", follow_redirects=False)
    assert switch.headers["location"] == "/"


async def test_pages_read_without_javascript_are_complete_html(
    client: AsyncTestClient, world: World
) -> None:  # type: ignore[type-arg]
    page = (await client.get(f"/reseaux/{world.network_slug}")).text
    assert "<main" in page and 'href="#contenu"' in page
    assert "<table>" in page  # the lieux are in the HTML itself, not loaded by script


async def test_unknown_network_is_a_french_404(client: AsyncTestClient, db: str) -> None:  # type: ignore[type-arg]
    response = await client.get("/reseaux/nulle-part")
    assert response.status_code == 404
    assert "Ce réseau n’existe pas." in response.text


async def test_private_network_is_hidden_from_visitors(client: AsyncTestClient, db: str) -> None:  # type: ignore[type-arg]
    await factories.make_network("Réseau Discret", public=False)
    assert "Réseau Discret" not in (await client.get("/")).text
    response = await client.get("/reseaux/reseau-discret")
    assert response.status_code == 404  # as an unknown one (issue 14)
    assert "Ce réseau n’existe pas." in response.text
