"""The pricing function: rules and properties (Hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grins_platform.catalog.models import PricingModel
from grins_platform.catalog.pricing import (
    OfferingTerms,
    OverrideTerms,
    ZonesRequired,
    estimate_minutes,
    quote,
)

pytestmark = pytest.mark.unit

cents = st.integers(min_value=0, max_value=10_000_000)
minutes = st.integers(min_value=0, max_value=600)
zones = st.integers(min_value=0, max_value=99)
models = st.sampled_from(list(PricingModel))


@st.composite
def terms(draw: st.DrawFn, model: PricingModel | None = None) -> OfferingTerms:
    return OfferingTerms(
        pricing_model=model or draw(models),
        base_price_cents=draw(cents),
        per_zone_price_cents=draw(cents),
        hourly_rate_cents=draw(cents),
        minimum_minutes=draw(minutes),
        base_minutes=draw(minutes),
        per_zone_minutes=draw(st.integers(min_value=0, max_value=60)),
    )


overrides = st.builds(
    OverrideTerms,
    base_price_cents=st.none() | cents,
    per_zone_price_cents=st.none() | cents,
    hourly_rate_cents=st.none() | cents,
)

WINTERIZATION = OfferingTerms(
    PricingModel.PER_ZONE,
    base_price_cents=6000,
    per_zone_price_cents=1200,
    base_minutes=25,
    per_zone_minutes=2,
)


def test_reference_examples() -> None:
    twelve = quote(WINTERIZATION, 12)
    assert twelve.price_cents == 6000 + 12 * 1200 == 20400
    assert twelve.minutes == 25 + 24
    diagnostic = OfferingTerms(
        PricingModel.HOURLY,
        hourly_rate_cents=10000,
        minimum_minutes=60,
        base_minutes=45,
    )
    assert quote(diagnostic, None).price_cents == 10000  # first hour is the minimum
    long_one = OfferingTerms(
        PricingModel.HOURLY, hourly_rate_cents=10000, base_minutes=90
    )
    assert quote(long_one, None).price_cents == 15000
    flat = OfferingTerms(PricingModel.FLAT, base_price_cents=5000, base_minutes=30)
    assert quote(flat, 40).price_cents == 5000


def test_custom_needs_a_quote_unless_an_override_prices_it() -> None:
    new_system = OfferingTerms(PricingModel.CUSTOM, per_zone_price_cents=70000)
    result = quote(new_system, 8)
    assert result.price_cents is None
    assert result.quote_needed
    builder = quote(new_system, 8, OverrideTerms(per_zone_price_cents=70000))
    assert builder.price_cents == 8 * 70000
    assert builder.override_applied
    assert not builder.quote_needed


def test_per_zone_without_zones_is_refused() -> None:
    with pytest.raises(ZonesRequired):
        quote(WINTERIZATION, None)


@given(t=terms(), z=zones, o=st.none() | overrides)
def test_never_negative_and_always_integer(
    t: OfferingTerms, z: int, o: OverrideTerms | None
) -> None:
    result = quote(t, z, o)
    assert result.minutes >= 0
    assert isinstance(result.minutes, int)
    if result.price_cents is not None:
        assert result.price_cents >= 0
        assert isinstance(result.price_cents, int)


@given(t=terms(PricingModel.PER_ZONE), a=zones, b=zones, o=st.none() | overrides)
def test_monotone_in_zones_for_per_zone(
    t: OfferingTerms, a: int, b: int, o: OverrideTerms | None
) -> None:
    low, high = sorted((a, b))
    p_low, p_high = quote(t, low, o).price_cents, quote(t, high, o).price_cents
    assert p_low is not None
    assert p_high is not None
    assert p_low <= p_high
    assert estimate_minutes(t, low) <= estimate_minutes(t, high)


@given(t=terms(), z=zones, o=overrides)
def test_an_override_wins(t: OfferingTerms, z: int, o: OverrideTerms) -> None:
    with_override = quote(t, z, o)
    expected_base = (
        o.base_price_cents if o.base_price_cents is not None else t.base_price_cents
    )
    per_zone = (
        o.per_zone_price_cents
        if o.per_zone_price_cents is not None
        else t.per_zone_price_cents
    )
    if with_override.pricing_model is PricingModel.FLAT:
        assert with_override.price_cents == expected_base
    elif with_override.pricing_model is PricingModel.PER_ZONE:
        assert with_override.price_cents == expected_base + per_zone * z


@given(t=terms(PricingModel.CUSTOM), z=zones)
def test_custom_without_override_is_quote_needed(t: OfferingTerms, z: int) -> None:
    result = quote(t, z)
    assert result.quote_needed
    assert result.price_cents is None
    assert result.explanation == "custom work: quote needed"


@given(
    rate=cents,
    base=st.integers(min_value=0, max_value=600),
    minimum=st.integers(min_value=0, max_value=600),
)
def test_hourly_is_exact_cents_rounded_up(rate: int, base: int, minimum: int) -> None:
    t = OfferingTerms(
        PricingModel.HOURLY,
        hourly_rate_cents=rate,
        base_minutes=base,
        minimum_minutes=minimum,
    )
    price = quote(t, None).price_cents
    billed = max(base, minimum)
    assert price is not None
    assert price * 60 >= rate * billed  # never under-charges
    assert (price - 1) * 60 < rate * billed or price == 0  # by at most one cent
