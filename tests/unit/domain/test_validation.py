"""What people type: checks collect one message per field and repair nothing silently."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.errors import InvalidInput
from cobudget.domain.validation import Checker, LegalForm, slugify


def test_every_problem_of_a_form_is_reported_at_once() -> None:
    checker = Checker()
    checker.text("name", "", max_length=10)
    checker.email("email", "pas-un-email")
    checker.choice("legal_form", "sarl", LegalForm)
    checker.positive_int("weight", "0", maximum=100)
    with pytest.raises(InvalidInput) as error:
        checker.raise_if_any()
    assert error.value.fields == {
        "name": "required",
        "email": "invalid_email",
        "legal_form": "invalid_choice",
        "weight": "out_of_range:1:100",
    }


def test_text_is_trimmed_and_measured_after_trimming() -> None:
    checker = Checker()
    assert checker.text("name", "  La   Fabrique ", max_length=11) == "La Fabrique"
    assert not checker.errors


def test_email_is_lowercased_and_must_have_a_domain() -> None:
    checker = Checker()
    assert checker.email("email", " Jules@Lieu.FR ") == "jules@lieu.fr"
    checker.email("other", "jules@lieu")
    assert checker.errors == {"other": "invalid_email"}


def test_password_must_be_long_enough_and_confirmed() -> None:
    checker = Checker()
    checker.password("password", "court", "court")
    assert checker.errors == {"password": "password_too_short:10"}
    checker = Checker()
    checker.password("password", "assez-long-1", "assez-long-2")
    assert checker.errors == {"password_confirmation": "password_mismatch"}


@given(st.text(max_size=300))
def test_text_over_its_limit_is_refused_never_cut(value: str) -> None:
    checker = Checker()
    cleaned = checker.text("field", value, max_length=50)
    if len(cleaned) > 50:
        assert checker.errors == {"field": "too_long:50"}
    elif cleaned:
        assert not checker.errors


@given(st.text(max_size=200))
def test_slugs_are_url_safe(value: str) -> None:
    slug = slugify(value)
    assert slug and len(slug) <= 80
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    assert slug == slug.lower()
