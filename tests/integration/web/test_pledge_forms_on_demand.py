"""A long envelope lists its challenges without a form each (issue 15): a member with a stake in
more than `INLINE_FORMS` challenges opens the forms of one on demand, in place with htmx or on a
page of its own without; a pledge from there is taken as from the envelope page, and a refused
one shows its form again on the envelope page, with the reason."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient

from cobudget.db.tables import Pledge
from cobudget.web.pages.envelopes import INLINE_FORMS
from tests.conftest import csrf_token
from tests.integration.conftest import World, log_in
from tests.integration.conftest import page_text as _t
from tests.support import factories

HTMX = {"HX-Request": "true"}
AMOUNT_FIELD = 'name="amount"'


async def _long_envelope(world: World) -> list[int]:
    """More consented challenges of the other lieu than forms shown inline; the world's
    envelope (in funding) lists them all."""
    return [
        await factories.make_consented_challenge(
            world.network_id, world.other_lieu_id, world.lieu_id, f"Commun numéro {index}"
        )
        for index in range(INLINE_FORMS + 1)
    ]


async def test_a_short_envelope_shows_every_form_in_place(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    page = await client.get(f"/enveloppes/{world.envelope_id}")
    assert AMOUNT_FIELD in page.text
    assert "Contribuer ou modifier" not in _t(page)


async def test_a_long_envelope_opens_one_challenges_forms_on_demand(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    challenges = await _long_envelope(world)
    await log_in(client, world.emails["member"])
    path = f"/enveloppes/{world.envelope_id}"
    page = await client.get(path)
    assert AMOUNT_FIELD not in page.text
    target = challenges[3]
    forms_path = f"{path}/defis/{target}/contribuer"
    assert f'href="{forms_path}"' in page.text
    assert _t(page).count("Contribuer ou modifier") == len(challenges) + 1  # the world's too

    # Without htmx: a page of its own, whose forms post as usual (no projection to swap).
    alone = await client.get(forms_path)
    assert alone.status_code == 200
    assert "Contribuer au défi « Commun numéro 3 »" in _t(alone)
    assert "Pour La Fabrique, sur ses droits de tirage (en euros)" in _t(alone)
    assert 'hx-select="#projection"' not in alone.text
    # With htmx, into the envelope page: the forms swap the projection in place.
    fragment = await client.get(forms_path, headers=HTMX)
    assert f'id="formulaires-{target}"' in fragment.text
    assert 'hx-select="#projection"' in fragment.text

    token = await csrf_token(client, forms_path)
    pledged = await client.post(
        f"{path}/contributions",
        data={
            "challenge": str(target),
            "unit": f"lieu:{world.lieu_id}",
            "source": "drawing_rights",
            "amount": "250",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert pledged.status_code == 303
    # The confirmation carries the pledge's receipt (issue 20).
    assert re.fullmatch(
        rf"{path}\?ok=pledged&recu=[0-9A-Z]{{16}}#defi-{target}", pledged.headers["location"]
    )
    rows = await Pledge.select(Pledge.amount_cents).where(Pledge.challenge == target)
    assert rows == [{"amount_cents": 25_000}]
    page = await client.get(path)
    assert "La Fabrique a promis 250,00 €." in _t(page)
    assert AMOUNT_FIELD not in page.text

    # A refusal: the envelope page again, with this challenge's forms open and the reason.
    refused = await client.post(
        f"{path}/contributions",
        data={
            "challenge": str(target),
            "unit": f"lieu:{world.lieu_id}",
            "source": "drawing_rights",
            "amount": "deux cents",
            "_csrf_token": token,
        },
    )
    assert refused.status_code == 422
    assert refused.text.count(AMOUNT_FIELD) == 1
    assert 'aria-invalid="true"' in refused.text
    assert rows == await Pledge.select(Pledge.amount_cents).where(Pledge.challenge == target)


async def test_forms_on_demand_are_refused_to_whoever_has_none(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    """A visitor or a coordinator has no stake: back to the challenge on the envelope page; an
    unknown challenge is not found."""
    challenges = await _long_envelope(world)
    forms_path = f"/enveloppes/{world.envelope_id}/defis/{challenges[0]}/contribuer"
    visitor = await client.get(forms_path, follow_redirects=False)
    assert visitor.status_code == 303
    assert visitor.headers["location"] == f"/enveloppes/{world.envelope_id}#defi-{challenges[0]}"
    await log_in(client, world.emails["coordinator"])
    assert (await client.get(forms_path, follow_redirects=False)).status_code == 303
    missing = await client.get(f"/enveloppes/{world.envelope_id}/defis/999999/contribuer")
    assert missing.status_code == 404
