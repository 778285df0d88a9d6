"""Reads kept by data version (issue 15, services/kept_reads.py): kept within a moment, read
again after any write, never stored from an older moment, built once for readers arriving
together (and by each of them when that build fails or stops), bounded, and nothing kept
outside a request."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from cobudget.db.tables import Envelope, Network
from cobudget.services import kept_reads
from cobudget.services.clock import now
from cobudget.services.kept_reads import Keeper, kept
from tests.support import factories


class Builds:
    """A read that counts how often it runs and returns the network's current description."""

    def __init__(self, network_id: int, pause: float = 0.0) -> None:
        self.network_id, self.pause, self.count = network_id, pause, 0

    async def __call__(self) -> str:
        self.count += 1
        row = await Network.select(Network.description).where(Network.id == self.network_id)
        await asyncio.sleep(self.pause)
        return str(row[0]["description"])


async def _describe(network_id: int, text: str) -> None:
    await Network.update({Network.description: text}).where(Network.id == network_id)


async def test_nothing_is_kept_outside_a_request(db: str) -> None:
    network = await factories.make_network()
    read = Builds(network)
    kept_reads.end()
    await kept(("n",), read)
    await kept(("n",), read)
    assert read.count == 2


async def test_a_value_is_kept_until_a_write_changes_the_data_version(db: str) -> None:
    network = await factories.make_network()
    keeper, read = Keeper(16), Builds(network)
    await _describe(network, "avant")
    await kept_reads.begin(keeper)
    assert await kept(("n",), read) == "avant"
    await kept_reads.begin(keeper)  # the next request, no write in between
    assert await kept(("n",), read) == "avant"
    assert read.count == 1
    await _describe(network, "après")  # any write, even one no use case made
    await kept_reads.begin(keeper)
    assert await kept(("n",), read) == "après"
    assert read.count == 2


async def test_a_value_read_at_an_older_version_is_not_kept_for_the_newer_one(db: str) -> None:
    """A slow request began before a write; it still answers (with what it read, no older
    than its start), but what it read is not kept for the requests that began after."""
    network = await factories.make_network()
    keeper = Keeper(16)
    await _describe(network, "avant")
    await kept_reads.begin(keeper)
    slow_moment = kept_reads.current_moment()
    assert slow_moment is not None
    await _describe(network, "après")
    await kept_reads.begin(keeper)  # a newer request: the keeper moves to the new version
    newer = Builds(network)
    older = Builds(network)
    assert await keeper.get_or_build(slow_moment, ("n",), older) == "après"
    assert await kept(("n",), newer) == "après"
    assert (older.count, newer.count) == (1, 1)
    assert not keeper.holds(slow_moment)


async def test_readers_arriving_together_share_one_build(db: str) -> None:
    network = await factories.make_network()
    keeper, read = Keeper(16), Builds(network, pause=0.05)
    await kept_reads.begin(keeper)
    values = await asyncio.gather(*(kept(("n",), read) for _ in range(16)))
    assert read.count == 1 and len(set(values)) == 1


async def test_when_the_shared_build_fails_each_waiting_reader_builds_its_own(db: str) -> None:
    network = await factories.make_network()
    keeper = Keeper(16)
    await kept_reads.begin(keeper)
    attempts = 0

    async def flaky() -> str:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0.02)
        if attempts == 1:
            raise RuntimeError("la base a lâché")
        return "lu"

    results = await asyncio.gather(*(kept(("n",), flaky) for _ in range(4)), return_exceptions=True)
    assert sum(isinstance(r, RuntimeError) for r in results) == 1  # the builder's own request
    assert [r for r in results if not isinstance(r, Exception)] == ["lu"] * 3
    del network


async def test_when_the_builder_is_cancelled_the_waiting_readers_still_answer(db: str) -> None:
    network = await factories.make_network()
    keeper, read = Keeper(16), Builds(network, pause=0.1)
    await kept_reads.begin(keeper)
    builder = asyncio.create_task(kept(("n",), read))
    await asyncio.sleep(0.01)
    waiter = asyncio.create_task(kept(("n",), read))
    await asyncio.sleep(0.01)
    builder.cancel()  # the client went away
    with pytest.raises(asyncio.CancelledError):
        await builder
    assert isinstance(await waiter, str)
    assert read.count == 2


async def test_the_keeper_holds_at_most_its_number_of_values(db: str) -> None:
    network = await factories.make_network()
    keeper, read = Keeper(3), Builds(network)
    await kept_reads.begin(keeper)
    for key in range(10):
        await kept(("n", key), read)
    assert len(keeper.values) == 3
    assert list(keeper.values) == [("n", 7), ("n", 8), ("n", 9)]


async def test_values_expire_at_the_next_moment_of_the_calendar(db: str) -> None:
    """An envelope's funding ends in a moment: a value kept before it is read again after it,
    with no write in between (pages follow the clock too)."""
    network = await factories.make_network()
    lieu = await factories.make_lieu(network, "La Fabrique")
    envelope = await factories.make_envelope(network, [lieu])
    soon = now() + dt.timedelta(seconds=0.6)
    await Envelope.update({Envelope.funding_until: soon}).where(Envelope.id == envelope)
    keeper, read = Keeper(16), Builds(network)
    await kept_reads.begin(keeper)
    await kept(("n",), read)
    await kept_reads.begin(keeper)
    await kept(("n",), read)
    assert read.count == 1
    await asyncio.sleep(max(0.0, (soon - now()).total_seconds()) + 0.1)
    await kept_reads.begin(keeper)
    await kept(("n",), read)
    assert read.count == 2


async def test_a_keeper_of_no_values_keeps_nothing(db: str) -> None:
    network = await factories.make_network()
    keeper, read = Keeper(0), Builds(network)
    await kept_reads.begin(keeper)
    await kept(("n",), read)
    await kept(("n",), read)
    assert read.count == 2 and not keeper.values
