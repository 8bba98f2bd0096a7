"""Phone numbers: typed in any format, stored as E.164, shown the American way.

Stored numbers are always E.164 (``+16125550123``), so "(612) 555-0123",
"612.555.0123", "+1 612 555 0123", "6125550123" and "1-612-555-0123" are the same
customer. Numbers without a country code are read as US numbers; numbers written
with ``+`` (or the US international prefix ``011``) may be from anywhere.

Extensions ("612-555-0123 ext 45", "x45") are refused, not stripped: a customer's
number must reach a person by call and text, and silently dropping the extension
would store a number that rings a switchboard. Put the extension in the notes.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Final

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from grins_platform.core.errors import ValidationFailed

DEFAULT_REGION: Final = "US"
MIN_SEARCH_DIGITS: Final = 3
# A search fragment that is only digits and the punctuation people type in numbers.
_PHONE_FRAGMENT: Final = re.compile(r"[\d\s()+.\-/]+")
_NON_DIGIT: Final = re.compile(r"\D")
_MAX_INPUT_LENGTH: Final = 64

_PARSE_REASONS: Final[dict[int, str]] = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the country prefix",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}
_LENGTH_REASONS: Final[dict[int, str]] = {
    ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    ValidationResult.TOO_SHORT: "too short",
    ValidationResult.TOO_LONG: "too long",
    ValidationResult.INVALID_LENGTH: "wrong number of digits",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "missing the area code",
}


class InvalidPhoneNumber(ValidationFailed):
    """A phone number that cannot be used (422 naming the field and why).

    Attributes:
        reason: Short text such as ``"too short"`` or ``"not a valid number"``.
    """

    def __init__(self, reason: str, *, field: str = "phone", **extra: Any) -> None:
        super().__init__(field, f"invalid phone number: {reason}", **extra)
        self.reason = reason
        self.field = field


def _parse(text: str, region: str, field: str) -> phonenumbers.PhoneNumber:
    stripped = text.strip()
    if not stripped:
        raise InvalidPhoneNumber("empty", field=field)
    if len(stripped) > _MAX_INPUT_LENGTH:
        raise InvalidPhoneNumber("too long", field=field)
    try:
        return phonenumbers.parse(stripped, region)
    except NumberParseException as exc:
        reason = _PARSE_REASONS.get(exc.error_type, "not a phone number")
        raise InvalidPhoneNumber(reason, field=field) from None


def normalize_phone(
    text: str, *, region: str = DEFAULT_REGION, field: str = "phone"
) -> str:
    """Return ``text`` as an E.164 number, e.g. ``"+16125550123"``.

    Args:
        text: A phone number as typed: any spacing, dashes, dots, brackets, an
            optional ``1``/``+1`` prefix; letters of vanity numbers are dialled.
        region: Country assumed when the number has no ``+`` country code.
        field: Field name carried by the error.

    Raises:
        InvalidPhoneNumber: Empty, too short or long, has an extension, or is not
            an assigned number pattern (e.g. area code ``123``).
    """
    number = _parse(text, region, field)
    if number.extension:
        raise InvalidPhoneNumber(
            "extensions are not supported; put the extension in the notes",
            field=field,
        )
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible != ValidationResult.IS_POSSIBLE:
        reason = _LENGTH_REASONS.get(possible, "wrong number of digits")
        raise InvalidPhoneNumber(reason, field=field)
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("not a valid number", field=field)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def is_valid_phone(text: str, *, region: str = DEFAULT_REGION) -> bool:
    """Whether :func:`normalize_phone` accepts ``text``."""
    try:
        normalize_phone(text, region=region)
    except InvalidPhoneNumber:
        return False
    return True


@functools.lru_cache(maxsize=65_536)
def format_phone(e164: str) -> str:
    """Show a stored number: ``"(612) 555-0123"`` for US/Canada, else international.

    Memoised: every customer list formats up to a page of numbers, and parsing with
    ``phonenumbers`` costs more than the rest of a row's serialisation.

    Raises:
        InvalidPhoneNumber: ``e164`` is not a phone number.
    """
    number = _parse(e164, DEFAULT_REGION, "phone")
    if number.country_code == 1:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def phone_search_digits(
    text: str, *, min_digits: int = MIN_SEARCH_DIGITS
) -> str | None:
    """The digits of a typed search fragment, to match inside stored E.164 numbers.

    ``"555-0123"`` gives ``"5550123"``, which is a substring of ``"+16125550123"``
    (match with ``phone LIKE '%' || :digits || '%'``). A leading ``1``/``+1`` before
    ten digits is kept: it is part of the stored text too.

    Returns:
        The digits, or ``None`` when the text is not a phone fragment (it has
        letters or other symbols, e.g. a name or street) or has fewer than
        ``min_digits`` digits, so the caller skips phone matching.
    """
    if not _PHONE_FRAGMENT.fullmatch(text):
        return None
    digits = _NON_DIGIT.sub("", text)
    return digits if len(digits) >= min_digits else None
