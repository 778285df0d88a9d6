"""What several service tests share: an open envelope of four lieux and two consented
challenges (`funding`)."""

from __future__ import annotations

import pytest

from cobudget.domain.permissions import Actor
from cobudget.settings import Settings
from tests.support import factories

RIGHTS = 100_000  # 4 000 € among four lieux of weight 1


async def _consented_challenge(network_id: int, proposer: int, voter: int, title: str) -> int:
    return await factories.make_consented_challenge(network_id, proposer, voter, title)


@pytest.fixture
async def funding(settings: Settings) -> dict[str, object]:
    network_id = await factories.make_network("Réseau des Contributions")
    lieux, actors = [], []
    for index in range(4):
        lieu = await factories.make_lieu(network_id, f"Lieu {index}")
        user = await factories.make_user(f"l{index}@exemple.fr")
        await factories.add_member(user, lieu)
        lieux.append(lieu)
        # Lieu admins: they may pledge the lieu's own funds too.
        actors.append(
            Actor(user_id=user, member_of=frozenset({lieu}), lieu_admin_of=frozenset({lieu}))
        )
    challenges = [
        await _consented_challenge(network_id, lieux[0], lieux[1], "Défi A"),
        await _consented_challenge(network_id, lieux[1], lieux[2], "Défi B"),
    ]
    envelope_id = await factories.make_envelope(network_id, lieux, amount_cents=4 * RIGHTS)
    return {
        "network": network_id,
        "lieux": lieux,
        "actors": actors,
        "challenges": challenges,
        "envelope": envelope_id,
    }
