"""The address the rate limits count (issue 14): X-Forwarded-For is read only from a trusted
proxy, and then from the right, so a client cannot pick the address it is counted under."""

from __future__ import annotations

import pytest

from cobudget.settings import load_settings
from cobudget.web.context import forwarded_client

PROXIES = ("10.0.0.0/8", "192.0.2.7")


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards() -> None:
    assert forwarded_client("198.51.100.4", ["203.0.113.9"], ()) == "198.51.100.4"


def test_a_peer_that_is_no_trusted_proxy_is_the_client() -> None:
    assert forwarded_client("198.51.100.4", ["203.0.113.9"], PROXIES) == "198.51.100.4"


def test_behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() -> None:
    # The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
    assert forwarded_client("10.1.2.3", ["1.2.3.4, 203.0.113.9"], PROXIES) == "203.0.113.9"
    # Two trusted proxies in a row, and the header split over two lines.
    assert (
        forwarded_client("10.1.2.3", ["1.2.3.4", "203.0.113.9, 192.0.2.7"], PROXIES)
        == "203.0.113.9"
    )


def test_a_forwarded_chain_of_trusted_proxies_only_gives_the_leftmost() -> None:
    assert forwarded_client("10.1.2.3", ["10.9.9.9"], PROXIES) == "10.9.9.9"
    assert forwarded_client("10.1.2.3", [], PROXIES) == "10.1.2.3"


def test_trusted_proxies_are_read_from_the_environment_and_checked() -> None:
    settings = load_settings(
        {"COBUDGET_SECRET_KEY": "k", "COBUDGET_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7"}
    )
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.7")
    assert load_settings({"COBUDGET_SECRET_KEY": "k"}).trusted_proxies == ()
    with pytest.raises(ValueError, match="COBUDGET_TRUSTED_PROXIES"):
        load_settings({"COBUDGET_SECRET_KEY": "k", "COBUDGET_TRUSTED_PROXIES": "proxy.local"})
