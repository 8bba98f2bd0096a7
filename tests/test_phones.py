"""Phone numbers: every typed format of a number is one E.164 value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grins_platform.core.phones import (
    InvalidPhoneNumber,
    format_phone,
    is_valid_phone,
    normalize_phone,
    phone_search_digits,
)
from grins_platform.customers.search import whole_nanp_number

pytestmark = pytest.mark.unit

AREA_CODES = [612, 651, 763, 952, 320, 507, 218, 212, 415, 312, 713, 305]
FORMATS = [
    "({a}) {e}-{l}",
    "{a}.{e}.{l}",
    "+1 {a} {e} {l}",
    "{a}{e}{l}",
    "1-{a}-{e}-{l}",
    "{a}-{e}-{l}",
    "+1 ({a}) {e}-{l}",
    "  {a} {e} {l}  ",
    "1 ({a}) {e} {l}",
    "+1-{a}-{e}-{l}",
    "1{a}{e}{l}",
    "{a}/{e}-{l}",
    "({a}){e}-{l}",
    "{a} {e}-{l}\t",
]


@st.composite
def us_numbers(draw: st.DrawFn) -> tuple[str, str, str]:
    area = draw(st.sampled_from(AREA_CODES))
    exchange = draw(st.integers(200, 999).filter(lambda e: e % 100 != 11))
    line = draw(st.integers(0, 9999))
    return str(area), str(exchange), f"{line:04d}"


@given(us_numbers(), st.sampled_from(FORMATS), st.sampled_from(FORMATS))
def test_any_two_formats_of_a_us_number_are_the_same_e164(
    parts: tuple[str, str, str], first: str, second: str
) -> None:
    area, exchange, line = parts
    expected = f"+1{area}{exchange}{line}"
    one = normalize_phone(first.format(a=area, e=exchange, l=line))
    other = normalize_phone(second.format(a=area, e=exchange, l=line))
    assert one == other == expected


@given(us_numbers(), st.sampled_from(FORMATS))
def test_normalising_is_idempotent(parts: tuple[str, str, str], fmt: str) -> None:
    area, exchange, line = parts
    once = normalize_phone(fmt.format(a=area, e=exchange, l=line))
    assert normalize_phone(once) == once


@st.composite
def sloppy_numbers(draw: st.DrawFn) -> str:
    """Digits of a US number with whatever separators a person might type."""
    area, exchange, line = draw(us_numbers())
    prefix = draw(st.sampled_from(["", "1", "+1", "1-", "+1 "]))
    out = [prefix]
    for digit in area + exchange + line:
        out.append(digit)
        out.append(draw(st.text(alphabet=" ().-/", max_size=2)))
    return "".join(out)


@given(sloppy_numbers())
def test_sloppy_typing_still_gives_the_number(text: str) -> None:
    digits = "".join(ch for ch in text if ch.isdigit())
    once = normalize_phone(text)
    assert once == "+1" + digits.removeprefix("1")[-10:]
    assert normalize_phone(once) == once


@given(st.text(alphabet="0123456789 ()-.+/x#*", max_size=25))
def test_anything_either_normalises_to_a_fixed_point_or_says_why(text: str) -> None:
    try:
        once = normalize_phone(text)
    except InvalidPhoneNumber as exc:
        reason = exc.reason
        once = None
    if once is None:
        assert reason
        return
    assert once.startswith("+")
    assert once[1:].isdigit()
    assert normalize_phone(once) == once


@given(us_numbers())
def test_display_format_round_trips(parts: tuple[str, str, str]) -> None:
    area, exchange, line = parts
    shown = format_phone(f"+1{area}{exchange}{line}")
    assert shown == f"({area}) {exchange}-{line}"
    assert normalize_phone(shown) == f"+1{area}{exchange}{line}"


@pytest.mark.parametrize(
    "typed",
    [
        "(612) 555-0123",
        "612.555.0123",
        "+1 612 555 0123",
        "6125550123",
        "1-612-555-0123",
        "612-555-0123",
        "+16125550123",
    ],
)
def test_formats_people_type(typed: str) -> None:
    assert normalize_phone(typed) == "+16125550123"


def test_international_numbers_with_plus_are_kept() -> None:
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert normalize_phone("011 44 20 7946 0958") == "+442079460958"
    assert format_phone("+442079460958") == "+44 20 7946 0958"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("call me", "not a phone number"),
        ("555-0123", "missing the area code"),
        ("612-555-012", "too short"),
        ("612-555-01234", "too long"),
        ("123-456-7890", "not a valid number"),
        ("612-555-0123 ext 45", "extensions are not supported"),
        ("612-555-0123 x45", "extensions are not supported"),
        ("+999 1234 5678", "unknown country code"),
        ("6" * 80, "too long"),
    ],
)
def test_invalid_numbers_say_why(typed: str, reason: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as info:
        normalize_phone(typed, field="mobile")
    assert reason in info.value.reason
    assert info.value.status_code == 422
    assert info.value.detail == [
        {"field": "mobile", "message": f"invalid phone number: {info.value.reason}"}
    ]
    assert not is_valid_phone(typed)


def test_is_valid_phone() -> None:
    assert is_valid_phone("(763) 555-0199")


def test_format_phone_refuses_garbage() -> None:
    with pytest.raises(InvalidPhoneNumber):
        format_phone("not a phone")


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("555-0123", "5550123"),
        ("(612) 555", "612555"),
        ("+1 612 555 0123", "16125550123"),
        (" 0123 ", "0123"),
        ("612.555.0123", "6125550123"),
    ],
)
def test_search_fragments_become_digits(typed: str, digits: str) -> None:
    assert phone_search_digits(typed) == digits
    assert digits in "+1" + normalize_phone("612-555-0123")[1:]


@pytest.mark.parametrize(
    "typed", ["Smith", "123 Main St", "55", "", "  ", "john@example.com", "12a4"]
)
def test_non_phone_searches_are_not_phone_fragments(typed: str) -> None:
    assert phone_search_digits(typed) is None


def test_search_minimum_is_adjustable() -> None:
    assert phone_search_digits("55", min_digits=2) == "55"


@pytest.mark.parametrize(
    ("digits", "number"),
    [
        ("6125550123", "+16125550123"),
        ("16125550123", "+16125550123"),
        ("5550123", None),
        ("0125550123", None),  # no area code starts with 0 or 1
        ("6121550123", None),  # nor an exchange
        ("26125550123", None),  # eleven digits but not country code 1
        ("612555012345", None),
    ],
)
def test_whole_nanp_numbers_are_recognised(digits: str, number: str | None) -> None:
    assert whole_nanp_number(digits) == number
