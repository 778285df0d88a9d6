"""The log (issue 14): an ordinary refusal (401, 403, 404, 422) is one INFO line without a
traceback; a "réessayez" (503, Busy) one WARNING line; a failure (500) one ERROR record with its
traceback; every line of a request
carries its request id, which the response repeats in `X-Request-ID`."""

from __future__ import annotations

import logging

import pytest
from litestar.testing import AsyncTestClient

from cobudget.domain.errors import Busy
from cobudget.services import challenges, settlements
from tests.integration.conftest import World, log_in, post_form


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if not r.name.startswith(("httpx", "piccolo"))]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/mon-espace", 401),
        ("/pas-une-page", 404),
        ("/defis/99999", 404),
        ("/api/envelopes/{draft}", 404),
        ("/enveloppes/{draft}/modifier", 401),
    ],
)
async def test_a_refusal_is_one_info_line_without_traceback(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    caplog: pytest.LogCaptureFixture,
    path: str,
    status: int,
) -> None:
    caplog.set_level(logging.INFO)
    response = await client.get(path.format(draft=world.draft_envelope_id))
    assert response.status_code == status
    records = _records(caplog)
    assert [r.levelno for r in records] == [logging.INFO], [r.getMessage() for r in records]
    (record,) = records
    assert record.exc_info is None and "\n" not in record.getMessage()
    assert f"refused: {status}" in record.getMessage()
    assert record.request_id == response.headers["x-request-id"]  # type: ignore[attr-defined]


async def test_a_refused_form_and_a_forbidden_write_log_no_traceback(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await log_in(client, world.emails["member"])
    caplog.set_level(logging.INFO)
    refused = await post_form(client, f"/tours/{world.round_id}/cloture", {})  # a coordinator's
    assert refused.status_code == 403
    csrf = await client.post(f"/defis/{world.challenge_id}/nous-aussi", data={})
    assert csrf.status_code == 403
    assert all(r.levelno == logging.INFO and not r.exc_info for r in _records(caplog))


async def test_a_failure_is_one_error_with_its_traceback_and_the_request_id(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(challenges, "declare_concerned", broken)
    await log_in(client, world.emails["member"])
    caplog.set_level(logging.INFO)
    response = await post_form(
        client, f"/defis/{world.challenge_id}/nous-aussi", {"lieu": str(world.lieu_id)}
    )
    assert response.status_code == 500 and "Erreur du serveur" in response.text
    errors = [r for r in _records(caplog) if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].exc_info and errors[0].exc_info[0] is RuntimeError
    assert errors[0].request_id == response.headers["x-request-id"]  # type: ignore[attr-defined]
    assert "disk is on fire" not in response.text


async def test_a_busy_answer_is_one_warning_line_without_traceback(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def busy(*_args: object, **_kwargs: object) -> None:
        raise Busy(retry_after_seconds=3)

    monkeypatch.setattr(settlements, "verify", busy)
    caplog.set_level(logging.INFO)
    response = await client.get(f"/enveloppes/{world.settled_envelope_id}/verification")
    assert response.status_code == 503 and response.headers["retry-after"] == "3"
    records = [r for r in _records(caplog) if r.levelno >= logging.WARNING]
    assert [r.levelno for r in records] == [logging.WARNING], [r.getMessage() for r in records]
    assert "busy: 503" in records[0].getMessage() and not records[0].exc_info


async def test_a_well_formed_incoming_request_id_is_kept_and_any_other_replaced(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    kept = await client.get("/pas-une-page", headers={"x-request-id": "proxy-42.a"})
    assert kept.headers["x-request-id"] == "proxy-42.a"
    assert _records(caplog)[-1].request_id == "proxy-42.a"  # type: ignore[attr-defined]
    for bad in ("a b", "x" * 65, "id\nforged line"):
        replaced = await client.get("/", headers={"x-request-id": bad.replace("\n", "%0A")})
        assert (
            replaced.headers["x-request-id"] != bad and len(replaced.headers["x-request-id"]) == 32
        )
    ok = await client.get("/")
    assert ok.status_code == 200 and ok.headers["x-request-id"]


async def test_a_path_with_a_line_break_stays_on_one_log_line(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    await client.get("/pas%0Aune%0DINFO fausse-ligne")
    (record,) = _records(caplog)
    assert "\n" not in record.getMessage() and "\r" not in record.getMessage()


def test_uvicorn_access_lines_carry_the_request_id_too() -> None:
    from cobudget.web.request_log import uvicorn_log_config

    assert "[%(request_id)s]" in uvicorn_log_config()["formatters"]["access"]["fmt"]
