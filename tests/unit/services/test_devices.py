"""A known browser's token is signed for one account: forged, or another account's, it is
none (issue 14)."""

from __future__ import annotations

from cobudget.services.devices import device_key, device_token

SECRET = "test-secret"


def test_a_token_is_known_for_its_own_account_only() -> None:
    token = device_token(SECRET, "awa@exemple.fr")
    key = device_key(SECRET, token, "awa@exemple.fr")
    assert key is not None and key.startswith("device:")
    assert device_key(SECRET, token, "autre@exemple.fr") is None
    assert device_key("another-secret", token, "awa@exemple.fr") is None


def test_a_made_up_or_missing_token_is_none() -> None:
    assert device_key(SECRET, None, "awa@exemple.fr") is None
    assert device_key(SECRET, "", "awa@exemple.fr") is None
    assert device_key(SECRET, "invente.0123456789abcdef", "awa@exemple.fr") is None
    assert device_key(SECRET, "x" * 500, "awa@exemple.fr") is None
    assert device_token(SECRET, "a@b.fr") != device_token(SECRET, "a@b.fr")  # one per browser
