"""Fixtures for the tests that need the real app: a database made by our migrations, a real
SMTP server, the app under Litestar's test client. Unit tests of the engine need none of them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from cobudget.db.engine import bind_tables, close_pool, make_engine, open_pool
from cobudget.settings import Settings
from tests.support import database, reconcile
from tests.support.mail import Mailbox, start_smtp_server


@pytest.fixture(scope="session")
def smtp() -> Iterator[tuple[Mailbox, int]]:
    controller, mailbox, port = start_smtp_server()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp: tuple[Mailbox, int]) -> Mailbox:
    smtp[0].clear()
    return smtp[0]


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    tmp = tmp_path_factory.mktemp("db")
    url = await database.create_database(tmp)
    database.migrate(url, tmp)
    bind_tables(make_engine(url))
    yield url
    await database.drop_database(url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """An empty, migrated database for this test; afterwards, whatever the test wrote, every
    envelope's money must reconcile to the cent (`tests/support/reconcile.py`)."""
    engine = make_engine(database_url)
    bind_tables(engine)
    # Connections kept open, as the app keeps them (SQLite's, or asyncpg's pool): the test
    # client runs the app in this test's event loop, so the app uses them too.
    await open_pool(engine, 4)
    try:
        await database.empty_all_tables(database_url)
        from cobudget.services import projection_cache

        projection_cache.clear()  # ids start again after the tables are emptied
        yield database_url
        bind_tables(engine)
        await reconcile.check_every_envelope()
    finally:
        await close_pool(engine)


@pytest.fixture(scope="session")
def session_settings(
    database_url: str, smtp: tuple[Mailbox, int], tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        var_dir=tmp_path_factory.mktemp("var"),
        base_url="http://testserver.local",
        smtp_port=smtp[1],
        login_max_per_account=3,
        login_max_per_address=6,
        outbox_in_app=False,  # tests send the outbox themselves, to read what arrives
        # Connections kept as in production: the app's lifespan opens a pool in the app's loop
        # (the test client's thread), the `db` fixture one in the test's loop.
        database_pool_size=4,
        # Pages and parts of pages made every time, so each test sees (and counts) the work
        # of its pages; tests/integration/web/test_page_cache.py and the browser tests keep them.
        page_cache_bytes=0,
    )


@pytest.fixture(scope="session")
def app(session_settings: Settings) -> Litestar:
    """One app for the whole run (building it costs ~0.1 s); each test's client runs its
    lifespan again, and the app keeps no state of its own between requests."""
    from cobudget.web.app import create_app

    return create_app(session_settings)


@pytest.fixture
def settings(db: str, session_settings: Settings) -> Settings:
    return session_settings


@pytest.fixture
async def client(app: Litestar, db: str) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as c:
        yield c


CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: AsyncTestClient, path: str = "/connexion") -> str:  # type: ignore[type-arg]
    """Get a page so the CSRF cookie is set, and return the token its forms carry."""
    response = await client.get(path)
    match = CSRF_INPUT.search(response.text)
    if match:
        return match.group(1)
    return str(client.cookies.get("csrftoken", ""))
