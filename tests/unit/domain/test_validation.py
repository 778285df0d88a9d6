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


def test_a_contact_email_may_be_left_empty_but_not_wrong() -> None:
    checker = Checker()
    assert checker.optional_email("contact_email", "   ") == ""
    assert checker.optional_email("contact_email", " Bonjour@Lieu.FR") == "bonjour@lieu.fr"
    checker.optional_email("bad", "bonjour@")
    assert checker.errors == {"bad": "invalid_email"}


@pytest.mark.parametrize(
    "typed",
    ["05 63 00 00 00", "05.63.00.00.00", "+33 5 63 00 00 00", "(0)5-63-00-00-00", ""],
)
def test_a_phone_number_is_taken_as_people_write_it(typed: str) -> None:
    checker = Checker()
    assert checker.phone("contact_phone", f"  {typed}  ") == " ".join(typed.split())
    assert not checker.errors


@pytest.mark.parametrize(
    "typed",
    ["appelez-nous", "12345", "0" * 16, "+33 5 63 00 00 00 poste 12", "05 63 00 00 00+", "1" * 31],
)
def test_what_is_no_phone_number_is_refused(typed: str) -> None:
    checker = Checker()
    checker.phone("contact_phone", typed)
    assert checker.errors == {"contact_phone": "invalid_phone"}


@given(st.text(max_size=60))
def test_a_phone_number_kept_is_short_and_made_of_digits_and_separators(typed: str) -> None:
    checker = Checker()
    kept = checker.phone("contact_phone", typed)
    if checker.errors or not kept:
        return
    assert len(kept) <= 30 and 6 <= sum(c.isdigit() for c in kept) <= 15
    assert set(kept.removeprefix("+")) <= set("0123456789 .-()")
