"""The API's one write, `PUT /api/envelopes/{id}/pledges`: the same service and the same role
table as the envelope page's form, the session cookie and the CSRF header as htmx sends them;
each refusal a JSON problem in French that changes nothing, and a retried key counts once."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import AuditEntry, CofundingOrg, Pledge, PledgeRequest
from tests.conftest import csrf_token
from tests.integration.api.conftest import problem
from tests.integration.conftest import ROLES, World, log_in
from tests.support.text import plain


async def _put(
    client: AsyncTestClient,  # type: ignore[type-arg]
    envelope_id: int,
    body: dict[str, Any],
    *,
    csrf: bool = True,
):  # type: ignore[no-untyped-def]
    headers = {"x-csrftoken": await csrf_token(client, "/")} if csrf else {}
    return await client.put(f"/api/envelopes/{envelope_id}/pledges", json=body, headers=headers)


async def _audited() -> int:
    return int(await AuditEntry.count().where(AuditEntry.action == "pledge.set"))


def _pledge(world: World, amount_cents: int, **extra: Any) -> dict[str, Any]:
    return {
        "challenge_id": world.consented_challenge_id,
        "unit": f"lieu:{world.lieu_id}",
        "source": "drawing_rights",
        "amount_cents": amount_cents,
        **extra,
    }


async def _stored(world: World) -> list[tuple[Any, ...]]:
    """The pledges of the envelopes these tests write to (the settled one has its own)."""
    rows = (
        await Pledge.select()
        .where(Pledge.envelope.is_in([world.envelope_id, world.closed_envelope_id]))
        .order_by(Pledge.id)
    )
    return [(r["lieu"], r["org"], r["challenge"], r["source"], r["amount_cents"]) for r in rows]


async def test_a_member_pledges_and_the_projection_moves(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    response = await _put(client, world.envelope_id, _pledge(world, 60_000))
    assert response.status_code == 200, response.text
    answer = response.json()
    receipt = answer.pop("receipt")
    assert answer == {
        "envelope_id": world.envelope_id,
        "challenge_id": world.consented_challenge_id,
        "unit": f"lieu:{world.lieu_id}",
        "source": "drawing_rights",
        "amount_cents": 60_000,
        "replayed": False,
    }
    # Its receipt (issue 20) is in the envelope's chain, with what it recorded.
    found = await client.get(f"/api/envelopes/{world.envelope_id}/receipts/{receipt}")
    assert found.status_code == 200
    assert (found.json()["seq"], found.json()["amount"]) == (1, 60_000)
    assert await _stored(world) == [
        (world.lieu_id, None, world.consented_challenge_id, "drawing_rights", 60_000)
    ]
    assert await _audited() == 1

    projection = (await client.get(f"/api/envelopes/{world.envelope_id}/projection")).json()
    row = next(c for c in projection["challenges"] if c["id"] == world.consented_challenge_id)
    assert row["pledged_cents"] == 60_000
    assert row["mine"][0]["drawing_rights_cents"] == 60_000
    lieu = next(lieu for lieu in projection["lieux"] if lieu["id"] == world.lieu_id)
    assert lieu["left_cents"] == 3_000_000 - 60_000

    # Changing it updates the same pledge; 0 withdraws it.
    assert (await _put(client, world.envelope_id, _pledge(world, 80_000))).status_code == 200
    withdrawn = await _put(client, world.envelope_id, _pledge(world, 0))
    assert withdrawn.json()["amount_cents"] == 0
    assert [row[-1] for row in await _stored(world)] == [0]


async def test_a_cofunder_pledges_its_own_funds_for_its_organisation(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    org = await CofundingOrg.select(CofundingOrg.id).first()
    assert org is not None
    await log_in(client, world.emails["cofunder"])
    body = _pledge(world, 50_000, unit=f"org:{org['id']}", source="own_funds")
    assert (await _put(client, world.envelope_id, body)).status_code == 200
    assert await _stored(world) == [
        (None, org["id"], world.consented_challenge_id, "own_funds", 50_000)
    ]
    # Drawing rights are the lieux's: the page's refusal, in French.
    body = problem(await _put(client, world.envelope_id, {**body, "source": "drawing_rights"}), 422)
    assert plain(body["errors"]) == {
        "source": "Un cofinanceur contribue sur ses fonds propres : il n’a pas de droits de tirage."
    }


@pytest.mark.parametrize("role", ROLES)
async def test_only_the_lieus_people_pledge_for_it(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    role: str,
) -> None:
    if role != "visitor":
        await log_in(client, world.emails[role])
    response = await _put(client, world.envelope_id, _pledge(world, 10_000))
    if role in ("member", "lieu_admin"):
        assert response.status_code == 200
        return
    if role == "visitor":
        body = problem(response, 401)
        assert body["detail"] == "Connectez-vous pour faire cela."
    else:
        body = problem(response, 403)
        assert body["detail"] == (
            "Seules les personnes membres de ce lieu du réseau peuvent faire cela."
        )
    assert await _stored(world) == []


async def test_a_write_without_the_csrf_header_is_refused(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    body = problem(await _put(client, world.envelope_id, _pledge(world, 10_000), csrf=False), 403)
    assert body["title"] == "Formulaire refusé"
    assert await _stored(world) == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"amount_cents": 3_000_001},
            "amount",
            "Cette contribution dépasse les droits de tirage qui restent à votre lieu.",
        ),
        ({"amount_cents": -100}, "amount", "Un montant ne peut pas être négatif."),
        (
            {"unit": "lieu"},
            "unit",
            "Choisissez le lieu ou l’organisation au nom de qui vous contribuez.",
        ),
        (
            {"challenge_id": "fresh"},
            "challenge",
            "Seul un défi qui a reçu le consentement du réseau peut recevoir des contributions.",
        ),
        (
            {"envelope": "closed"},
            "amount",
            "Les contributions ne sont pas ouvertes sur cette enveloppe.",
        ),
    ],
)
async def test_a_refused_pledge_is_a_422_problem_in_french_and_changes_nothing(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    await log_in(client, world.emails["member"])
    envelope = world.closed_envelope_id if change.pop("envelope", "") else world.envelope_id
    if change.get("challenge_id") == "fresh":
        change["challenge_id"] = world.fresh_challenge_id
    body = problem(await _put(client, envelope, _pledge(world, 10_000) | change), 422)
    assert body["title"] == "Saisie invalide"
    assert body["errors"] == {field: message} and body["detail"] == message
    assert await _stored(world) == []


@pytest.mark.parametrize(
    "body",
    [
        {"challenge_id": 1, "unit": "lieu:1", "source": "drawing_rights"},
        {"challenge_id": "un", "unit": "lieu:1", "source": "own_funds", "amount_cents": 1},
        {"challenge_id": 1, "unit": "lieu:1", "source": "gift", "amount_cents": 1},
        {"challenge_id": 1, "unit": "lieu:1", "source": "own_funds", "amount_cents": 1.5},
        {"challenge_id": 1, "unit": "lieu:1", "source": "own_funds", "amount_cents": 10**15},
        {"challenge_id": 1, "unit": "lieu:1", "source": "own_funds", "amount_cents": 1, "x": 1},
        {
            "challenge_id": 1,
            "unit": "lieu:1",
            "source": "own_funds",
            "amount_cents": 1,
            "idempotency_key": "k" * 101,
        },
    ],
)
async def test_a_malformed_body_is_a_400_problem(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    body: dict[str, Any],
) -> None:
    await log_in(client, world.emails["member"])
    problem(await _put(client, world.envelope_id, body), 400)
    assert await _stored(world) == []


async def test_an_unknown_envelope_or_challenge_is_a_404_problem(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    problem(await _put(client, 987654, _pledge(world, 10_000)), 404)
    body = problem(
        await _put(client, world.envelope_id, _pledge(world, 1, challenge_id=98765)), 404
    )
    assert body["detail"] == "Ce défi n’existe pas."


async def test_a_retried_request_with_the_same_key_answers_what_the_first_stored(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    first = await _put(client, world.envelope_id, _pledge(world, 40_000, idempotency_key="k-1"))
    # Meanwhile the pledge changes through another request; the retry does not undo it, and
    # answers what the first request stored.
    assert (await _put(client, world.envelope_id, _pledge(world, 50_000))).status_code == 200
    again = await _put(client, world.envelope_id, _pledge(world, 40_000, idempotency_key="k-1"))
    assert first.status_code == again.status_code == 200
    assert first.json()["amount_cents"] == again.json()["amount_cents"] == 40_000
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert [row[-1] for row in await _stored(world)] == [50_000]
    assert await PledgeRequest.count() == 1
    assert await _audited() == 2


async def test_the_same_key_with_another_body_is_a_409_and_changes_nothing(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    assert (
        await _put(client, world.envelope_id, _pledge(world, 40_000, idempotency_key="k-1"))
    ).status_code == 200
    body = problem(
        await _put(client, world.envelope_id, _pledge(world, 70_000, idempotency_key="k-1")), 409
    )
    assert plain(body["detail"]) == (
        "Cette clé de requête a déjà servi pour une autre contribution : rien n’a été "
        "enregistré. Envoyez une nouvelle clé."
    )
    assert [row[-1] for row in await _stored(world)] == [40_000]
    assert await _audited() == 1


async def test_a_key_belongs_to_who_sent_it_and_to_its_unit(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    """The key lieu A used does not answer for lieu B: each request is applied."""
    await log_in(client, world.emails["member"])
    assert (
        await _put(client, world.envelope_id, _pledge(world, 40_000, idempotency_key="shared"))
    ).status_code == 200
    org = await CofundingOrg.select(CofundingOrg.id).first()
    assert org is not None
    await log_in(client, world.emails["cofunder"])
    unit = f"org:{org['id']}"
    answer = await _put(
        client,
        world.envelope_id,
        _pledge(world, 25_000, idempotency_key="shared", unit=unit, source="own_funds"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["amount_cents"] == 25_000 and answer.json()["replayed"] is False
    assert sorted(row[-1] for row in await _stored(world)) == [25_000, 40_000]
    assert await PledgeRequest.count() == 2


async def test_a_pledge_never_takes_a_challenge_beyond_its_maximum(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    """The consented challenge's lines add up to a maximum of 2 000 €."""
    org = await CofundingOrg.select(CofundingOrg.id).first()
    assert org is not None
    await log_in(client, world.emails["cofunder"])
    unit = f"org:{org['id']}"
    assert (
        await _put(
            client, world.envelope_id, _pledge(world, 150_000, unit=unit, source="own_funds")
        )
    ).status_code == 200
    await log_in(client, world.emails["member"])
    body = problem(await _put(client, world.envelope_id, _pledge(world, 60_000)), 422)
    assert plain(body["errors"]) == {
        "amount": "Cette contribution porterait le défi au-delà de son maximum : votre "
        "contribution peut aller jusqu’à 500,00 €."
    }
    assert (await _put(client, world.envelope_id, _pledge(world, 50_000))).status_code == 200
    # Full: one cent more is refused, and lowering a pledge is always possible.
    await log_in(client, world.emails["cofunder"])
    more = _pledge(world, 150_001, unit=unit, source="own_funds")
    body = problem(await _put(client, world.envelope_id, more), 422)
    assert plain(body["detail"]) == (
        "Cette contribution porterait le défi au-delà de son maximum : votre "
        "contribution peut aller jusqu’à 1 500,00 €."
    )
    less = _pledge(world, 100_000, unit=unit, source="own_funds")
    assert (await _put(client, world.envelope_id, less)).status_code == 200
    assert sorted(row[-1] for row in await _stored(world)) == [50_000, 100_000]


async def test_only_a_lieu_admin_pledges_the_lieus_own_funds(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    body = problem(
        await _put(client, world.envelope_id, _pledge(world, 10_000, source="own_funds")), 403
    )
    assert body["detail"] == "Seules les personnes qui administrent ce lieu peuvent faire cela."
    assert await _stored(world) == []
    await log_in(client, world.emails["lieu_admin"])
    assert (
        await _put(client, world.envelope_id, _pledge(world, 10_000, source="own_funds"))
    ).status_code == 200
    assert await _stored(world) == [
        (world.lieu_id, None, world.consented_challenge_id, "own_funds", 10_000)
    ]
