"""Pages for visitors are kept by data version, and never stale (issue 15, web/page_cache.py):
a write is visible on the next request, in this process or another; a page expires at the next
moment of the calendar; each visitor gets a CSRF token of their own; people logged in are
never answered from the cache."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.engine import queries_run
from cobudget.db.tables import ChallengeVersion, Envelope, Lieu, Network
from cobudget.services.clock import now
from cobudget.settings import Settings
from cobudget.web.fragments import kept_parts
from tests.integration.conftest import World, client_with, log_in
from tests.support import factories
from tests.support.database import backend
from tests.support.mail import Mailbox
from tests.support.processes import app_processes

KEEP = 32 * 1024 * 1024  # the tests' app keeps nothing (tests/conftest.py); these keep


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    async with client_with(settings, page_cache_bytes=KEEP) as keeping:
        yield keeping


HX_TOKEN = re.compile(r'"x-csrftoken": "([^"]+)"')
CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def test_a_visitors_page_is_kept_and_a_write_shows_on_the_next_request(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    path = f"/reseaux/{world.network_slug}"
    first = await client.get(path)
    before = queries_run()
    second = await client.get(path)
    assert queries_run() - before == 1  # the data version only
    assert second.status_code == 200 and second.text == first.text
    # A write straight in the database, by no use case of the app: still seen at once.
    await Network.update({Network.description: "Une description toute neuve."}).where(
        Network.id == world.network_id
    )
    third = await client.get(path)
    assert "Une description toute neuve." in third.text


async def test_each_visitor_gets_a_csrf_token_of_their_own(
    settings: Settings,
    world: World,
) -> None:
    from cobudget.web.app import create_app

    app = create_app(replace(settings, page_cache_bytes=KEEP))
    path = f"/reseaux/{world.network_slug}"
    tokens = []
    for _visitor in range(3):
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as visitor:  # type: ignore[arg-type]
            for _request in range(2):
                page = await visitor.get(path)
                match = HX_TOKEN.search(page.text)
                assert match is not None
                # The token the page carries is the one of this visitor's cookie.
                assert match.group(1) == visitor.cookies.get("csrftoken")
            tokens.append(match.group(1))
    assert len(set(tokens)) == 3


async def test_people_logged_in_are_never_answered_from_the_cache(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    path = f"/reseaux/{world.network_slug}"
    await client.get(path)
    await client.get(path)
    await log_in(client, world.emails["coordinator"])
    before = queries_run()
    page = await client.get(path)
    assert page.status_code == 200 and queries_run() - before > 1
    assert "Gérer" in page.text or "gerer" in page.text


async def test_a_kept_page_expires_at_the_next_moment_of_the_calendar(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    """An envelope in funding until a second from now: its page, kept meanwhile, shows the
    funding closed once the second has passed, with no write in between."""
    path = f"/enveloppes/{world.envelope_id}"
    window = 1.5
    while True:
        soon = now() + dt.timedelta(seconds=window)
        await Envelope.update({Envelope.funding_until: soon}).where(
            Envelope.id == world.envelope_id
        )
        open_page = await client.get(path)
        kept = await client.get(path)
        if now() < soon or window > 20:
            break
        # A loaded machine took the whole window to read the page twice: again, longer.
        window *= 4
    assert kept.text == open_page.text
    await asyncio.sleep(max(0.0, (soon - now()).total_seconds()) + 0.2)
    before = queries_run()
    closed_page = await client.get(path)
    assert queries_run() - before > 1  # made again
    assert closed_page.text != open_page.text


async def test_a_write_in_one_process_shows_at_once_in_the_other(
    db: str, smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    """Two app processes on one database (on PostgreSQL; one process on SQLite): a visitor's
    page kept by the first, its lieu's admin changes the lieu's description through the second,
    and the visitor of the first reads the new description on the next request."""
    network = await factories.make_network()
    lieu = await factories.make_lieu(network, "La Fabrique")
    admin = await factories.make_user("admin.fabrique@exemple.fr")
    await factories.add_member(admin, lieu, admin=True)
    slug = (await Lieu.select(Lieu.slug).where(Lieu.id == lieu).first() or {})["slug"]
    count = 2 if backend() == "postgresql" else 1
    with app_processes(count, db, smtp[1], tmp_path) as urls:
        async with (
            httpx.AsyncClient(base_url=urls[0]) as reader,
            httpx.AsyncClient(base_url=urls[-1]) as writer,
        ):
            for _ in range(3):  # kept by the reader's process
                assert "Un atelier partagé" not in (await reader.get(f"/lieux/{slug}")).text
            token = CSRF_INPUT.search((await writer.get("/connexion")).text)
            assert token is not None
            logged = await writer.post(
                "/connexion",
                data={
                    "email": "admin.fabrique@exemple.fr",
                    "password": factories.PASSWORD,
                    "_csrf_token": token.group(1),
                },
            )
            assert logged.status_code in (200, 303)
            form = await writer.get(f"/lieux/{slug}/modifier")
            token = CSRF_INPUT.search(form.text)
            assert token is not None
            saved = await writer.post(
                f"/lieux/{slug}/modifier",
                data={
                    "name": "La Fabrique",
                    "town": "Thiers",
                    "description": "Un atelier partagé.",
                    "website": "",
                    "_csrf_token": token.group(1),
                },
            )
            assert saved.status_code in (200, 303), saved.text
            page = await reader.get(f"/lieux/{slug}")
            assert "Un atelier partagé." in page.text


async def test_parts_kept_for_people_logged_in_follow_every_write(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    """The network page's lists are the same for every reader and kept (web/fragments.py);
    a change of a challenge's title shows in them on the next request, and the reader's own
    parts (the coordinator's « Gérer ») stay theirs."""
    await log_in(client, world.emails["coordinator"])
    path = f"/reseaux/{world.network_slug}"
    first = await client.get(path)
    assert (await client.get(path)).text == first.text
    kept = kept_parts(client.app.template_engine.engine).parts  # type: ignore[union-attr]
    assert {key[1] for key in kept} == {
        "network-challenges",
        "network-lieux-cofunders-coordination",
    }
    await ChallengeVersion.update({ChallengeVersion.title: "Un titre tout neuf"}).where(
        ChallengeVersion.challenge == world.consented_challenge_id
    )
    page = await client.get(path)
    assert "Un titre tout neuf" in page.text and "Gérer le réseau" in page.text
    async with AsyncTestClient(app=client.app, base_url="http://testserver.local") as visitor:
        seen = (await visitor.get(path)).text
    assert "Un titre tout neuf" in seen and "Gérer le réseau" not in seen


async def test_kept_parts_never_show_a_hidden_pledge_to_another_reader(
    settings: Settings,
    world: World,
) -> None:
    """The hidden-pledge check of issue 13, with every part kept and one app for all: the
    member reads every page first (its parts kept with its own pledge), then the other
    lieu's member, the coordinator and a visitor read them, and none sees that pledge."""
    from cobudget.web.app import create_app
    from tests.integration.web.test_hidden_pledges import MINE, THEIRS, _everything, _pledged

    app = create_app(replace(settings, page_cache_bytes=KEEP))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as setup:
        envelope_id = await _pledged(setup, world)
    other = {"member": world.emails["member"], "other_member": "autre@exemple.fr"}
    readers = ["member", "other_member", "coordinator", "visitor", "member"]
    for reader in readers:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
            if reader != "visitor":
                await log_in(client, other.get(reader) or world.emails[reader])
            seen = await _everything(client, world, envelope_id)
        assert "975,00 €" in seen
        assert (MINE[0] in seen or MINE[1] in seen) == (reader == "member"), reader
        assert (THEIRS[0] in seen or THEIRS[1] in seen) == (reader == "other_member"), reader
    kept = kept_parts(app.template_engine.engine).parts  # type: ignore[union-attr]
    assert any(key[1] == "projection-challenge" for key in kept)


async def test_pages_of_people_logged_in_read_a_few_rows_once_kept_and_follow_writes(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    """What every reader sees alike is kept (services/kept_reads.py): read again, the large
    pages of a member cost the data version, the session and a handful of reads of their own;
    a write shows on the next request all the same."""
    await log_in(client, world.emails["member"])
    paths = [
        f"/defis/{world.challenge_id}",
        f"/reseaux/{world.network_slug}",
        f"/enveloppes/{world.envelope_id}",
        f"/enveloppes/{world.settled_envelope_id}/suivi",
    ]
    for path in paths:
        first = await client.get(path)
        before = queries_run()
        again = await client.get(path)
        assert again.status_code == first.status_code == 200, path
        assert queries_run() - before <= 5, path
    await ChallengeVersion.update({ChallengeVersion.title: "Un titre tout neuf"}).where(
        ChallengeVersion.challenge == world.challenge_id
    )
    for path in paths[:2]:
        assert "Un titre tout neuf" in (await client.get(path)).text, path


async def test_a_static_file_reads_nothing_from_the_database(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    """Pages read the data version first; a stylesheet has no data to keep."""
    before = queries_run()
    response = await client.get("/static/app/app.css")
    assert response.status_code == 200
    assert queries_run() == before
