"""Customer search: what the list asks for, and how its free text is read.

Free text ``q`` is read as a phone fragment when it is only digits and phone
punctuation (``555-0123`` matches ``+16125550123``); a whole North American number
is looked up exactly on both phones. Otherwise it matches a name or company word
prefix (full-text, ``simple`` dictionary), an email prefix, the words of a live
property's street address (word prefixes: ``77 lake`` finds ``77 Lakeview Dr``) or
its city prefix. No ``pg_trgm``: plain ``lower()`` indexes and the built-in
full-text search only. The SQL is in ``customers/queries.py``.

A prefix is matched as a range of the ``text_pattern_ops`` indexes (``term <= x <
upper``, byte order) when ``term`` ends in an ASCII character, which is exactly
"starts with ``term``": ``LIKE 'term%'`` uses the same range on the index but then
lower-cases every row it reads again to re-test the pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from grins_platform.core.phones import phone_search_digits
from grins_platform.customers.schemas import CustomerSort
from grins_platform.requests.models import RequestStatus

OPEN_REQUEST_STATUSES: Final = (RequestStatus.NEW, RequestStatus.CONTACTED)
_WORD: Final = re.compile(r"\w+")
_MAX_WORDS: Final = 8
_NANP_DIGITS: Final = 10
_LAST_ASCII: Final = 0x7E
"""The last character an upper bound may be built on (one more is still ASCII)."""


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    """What the customer list asks for; ``None`` means "any"."""

    q: str | None = None
    is_priority: bool | None = None
    is_red_flag: bool | None = None
    is_slow_payer: bool | None = None
    city: str | None = None
    lead_source: str | None = None
    has_open_work: bool | None = None
    sort: CustomerSort = CustomerSort.NAME

    @property
    def text(self) -> str | None:
        """The free text, or ``None`` when there is none (blank counts as none)."""
        return self.q if self.q and self.q.strip() else None


@dataclass(frozen=True, slots=True)
class TextQuery:
    """How free text is matched: exactly one of ``number``, ``digits``, ``term``."""

    number: str | None = None
    """A whole number (E.164): equal to either phone."""
    digits: str | None = None
    """A phone fragment: inside either phone."""
    term: str | None = None
    """Lower-cased text: a name, email or city prefix..."""
    words: str | None = None
    """...or these word prefixes (``to_tsquery`` text), when ``term`` has words."""
    upper: str | None = None
    """The least string above all that start with ``term`` (``prefix_upper_bound``)."""


def whole_nanp_number(digits: str) -> str | None:
    """``+1NXXNXXXXXX`` when the digits are a whole North American number.

    Ten digits (or eleven starting with the country code 1) whose area code and
    exchange start with 2-9 are stored exactly like that, so they are looked up by
    equality instead of as a fragment.
    """
    with_country = _NANP_DIGITS + 1
    national = (
        digits[1:] if len(digits) == with_country and digits[0] == "1" else digits
    )
    if len(national) != _NANP_DIGITS or national[0] in "01" or national[3] in "01":
        return None
    return f"+1{national}"


def prefix_words(text: str) -> str | None:
    """``word1:* & word2:*`` (``to_tsquery`` text) of the words of ``text``."""
    words = _WORD.findall(text.lower())[:_MAX_WORDS]
    if not words:
        return None
    return " & ".join(f"{w}:*" for w in words)


def prefix_upper_bound(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix``, byte-wise.

    ``prefix`` with its last character incremented: ``x`` starts with ``prefix``
    exactly when ``prefix <= x < bound`` in byte order (``text_pattern_ops``,
    ``~>=~``/``~<~``). Only for a last character below DEL, so the bound is ASCII in
    every server encoding (ASCII bytes are whole characters in all of them);
    otherwise ``None`` and the match stays a ``LIKE``.
    """
    if not prefix or ord(prefix[-1]) > _LAST_ASCII:
        return None
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def read_text(q: str) -> TextQuery:
    """How ``q`` is matched (see the module docstring)."""
    digits = phone_search_digits(q)
    if digits is not None:
        number = whole_nanp_number(digits)
        if number is not None:
            # A whole number (caller id, a number read out): exact, on indexes.
            return TextQuery(number=number)
        return TextQuery(digits=digits)
    term = q.strip().lower()
    return TextQuery(
        term=term, words=prefix_words(term), upper=prefix_upper_bound(term)
    )
