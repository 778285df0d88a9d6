"""Receipts on the pages and in the API (issue 20): the confirmation of a pledge shows its
receipt, the journal lists it, « Vérifier un reçu » finds it without JavaScript, a wrong input
says why in French, the settled envelope shows the head of its chain, the downloads parse."""

from __future__ import annotations

import json
import re

from litestar.testing import AsyncTestClient

from cobudget.services import receipts
from cobudget.services.queries.envelopes import challenge_titles
from tests.integration.conftest import World, log_in, pledge_by_form
from tests.integration.conftest import page_text as _t

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


async def _pledge(client: AsyncTestClient, world: World) -> str:  # type: ignore[type-arg]
    """The member pledges 250 €; the receipt the confirmation shows."""
    await log_in(client, world.emails["member"])
    response = await pledge_by_form(client, world, "250")
    confirmation = await client.get(response.headers["location"])
    text = _t(confirmation)
    assert "Votre contribution est enregistrée" in text and "Votre reçu" in text
    match = CODE.search(text.split("Votre reçu", 1)[1])
    assert match is not None
    return match.group(0)


async def test_a_pledge_confirmation_shows_its_receipt_and_the_journal_finds_it(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    code = await _pledge(client, world)
    journal = _t(await client.get(f"/enveloppes/{world.envelope_id}/recus"))
    assert "Vos reçus" in journal and journal.count(code) == 2  # mine, and the journal's line
    assert "250,00 €" in journal
    # The challenge is named by its title, in « Vos reçus » and in the journal's line.
    title = (await challenge_titles([world.consented_challenge_id]))[world.consented_challenge_id]
    assert journal.count(title) == 2
    client.cookies.clear()  # anyone checks, without an account or JavaScript
    found = await client.get(
        f"/enveloppes/{world.envelope_id}/recus/verifier", params={"code": code.lower()}
    )
    assert found.status_code == 200
    text = _t(found)
    assert f"Trouvé : le reçu {code} est l’écriture n° 1 sur 1" in text
    assert "250,00 €" in text and "droits de tirage" in text
    api = (await client.get(f"/api/envelopes/{world.envelope_id}/receipts/{code}")).json()
    assert (api["seq"], api["amount"], api["receipt"]) == (1, 25_000, code)
    page = (await client.get(f"/api/envelopes/{world.envelope_id}/receipts")).json()
    assert page["total"] == 1 and page["items"][0]["receipt"] == code


async def test_a_receipt_not_in_the_chain_or_not_a_receipt_says_so(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    base = f"/enveloppes/{world.envelope_id}/recus/verifier"
    missing = await client.get(base, params={"code": "0000-0000-0000-0000"})
    assert missing.status_code == 200 and "Introuvable" in _t(missing)
    wrong = await client.get(base, params={"code": "pas un reçu"})
    assert wrong.status_code == 422
    assert "Ce n’est pas un reçu : un reçu compte 16 caractères" in _t(wrong)
    assert (
        await client.get(f"/api/envelopes/{world.envelope_id}/receipts/0000-0000-0000-0000")
    ).status_code == 404
    assert (
        await client.get(f"/api/envelopes/{world.envelope_id}/receipts/UUUU-0000-0000-0000")
    ).status_code == 400
    assert (await client.get(f"/enveloppes/{world.envelope_id}/recus?page=0")).status_code == 422


async def test_the_settled_envelope_shows_the_head_of_its_chain_and_its_journal_downloads(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    head = await receipts.head(world.settled_envelope_id)
    assert head.writes == 2  # the world's settled envelope has two pledges, chained
    page = _t(await client.get(f"/enveloppes/{world.settled_envelope_id}"))
    assert "À la clôture, la chaîne compte 2 écritures" in page and head.head in page
    data = json.loads(
        (await client.get(f"/enveloppes/{world.settled_envelope_id}/donnees/recus.json")).content
    )
    assert [r["seq"] for r in data["rows"]] == [1, 2]
    assert data["rows"][-1]["hash"] == head.head and data["rows"][0]["kind"] == "pledge"
    csv = (await client.get(f"/enveloppes/{world.settled_envelope_id}/donnees/recus.csv")).text
    assert csv.splitlines()[0] == "seq,receipt,hash,at,kind,unit,challenge_id,source,amount,record"
    assert len(csv.splitlines()) == 3
