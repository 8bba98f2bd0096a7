"""The one pricing function: price and duration of an offering at a property.

Pure and integer-only (cents, minutes), so it is property-tested and can never produce
a float rounding error.

Rules:
- ``flat``: the base price.
- ``per_zone``: base + per-zone price x zones (zones are required).
- ``hourly``: the rate for the estimated minutes, never less than the minimum minutes,
  rounded up to the next cent.
- ``custom``: no price: a quote is needed; unless the customer has an override with a
  price, which then prices it (per zone when the override has a per-zone price, else
  flat) - e.g. a builder's agreed $700/zone for new systems.
- An override replaces each price it sets; prices it leaves unset stay the offering's.
- Duration = base minutes + per-zone minutes x zones, for every model.
"""

from __future__ import annotations

from dataclasses import dataclass

from grins_platform.catalog.models import PricingModel

MINUTES_PER_HOUR = 60


@dataclass(frozen=True, slots=True)
class OfferingTerms:
    """The pricing-relevant fields of an offering."""

    pricing_model: PricingModel
    base_price_cents: int = 0
    per_zone_price_cents: int = 0
    hourly_rate_cents: int = 0
    minimum_minutes: int = 0
    base_minutes: int = 0
    per_zone_minutes: int = 0


@dataclass(frozen=True, slots=True)
class OverrideTerms:
    """A customer's own prices; ``None`` keeps the offering's."""

    base_price_cents: int | None = None
    per_zone_price_cents: int | None = None
    hourly_rate_cents: int | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """A price (``None`` when a quote is needed) and a duration estimate."""

    price_cents: int | None
    minutes: int
    pricing_model: PricingModel
    override_applied: bool
    quote_needed: bool
    explanation: str


class ZonesRequired(ValueError):
    """A per-zone price cannot be computed without the zone count."""


def estimate_minutes(terms: OfferingTerms, zones: int | None) -> int:
    """Base minutes plus per-zone minutes for each zone."""
    return max(0, terms.base_minutes) + max(0, terms.per_zone_minutes) * max(
        0, zones or 0
    )


def _effective(terms: OfferingTerms, override: OverrideTerms | None) -> OfferingTerms:
    if override is None:
        return terms
    model = terms.pricing_model
    if model is PricingModel.CUSTOM and (
        override.per_zone_price_cents is not None
        or override.base_price_cents is not None
    ):
        model = (
            PricingModel.PER_ZONE
            if override.per_zone_price_cents is not None
            else PricingModel.FLAT
        )
    return OfferingTerms(
        pricing_model=model,
        base_price_cents=_pick(override.base_price_cents, terms.base_price_cents),
        per_zone_price_cents=_pick(
            override.per_zone_price_cents, terms.per_zone_price_cents
        ),
        hourly_rate_cents=_pick(override.hourly_rate_cents, terms.hourly_rate_cents),
        minimum_minutes=terms.minimum_minutes,
        base_minutes=terms.base_minutes,
        per_zone_minutes=terms.per_zone_minutes,
    )


def _pick(override: int | None, default: int) -> int:
    return max(0, default if override is None else override)


def quote(
    terms: OfferingTerms, zones: int | None, override: OverrideTerms | None = None
) -> Quote:
    """Price and duration of ``terms`` for ``zones`` zones, with any override."""
    effective = _effective(terms, override)
    minutes = estimate_minutes(terms, zones)
    applied = override is not None and any(
        v is not None
        for v in (
            override.base_price_cents,
            override.per_zone_price_cents,
            override.hourly_rate_cents,
        )
    )
    model = effective.pricing_model
    if model is PricingModel.CUSTOM:
        return Quote(
            price_cents=None,
            minutes=minutes,
            pricing_model=model,
            override_applied=applied,
            quote_needed=True,
            explanation="custom work: quote needed",
        )
    if model is PricingModel.FLAT:
        price = effective.base_price_cents
        text = f"flat {price}"
    elif model is PricingModel.PER_ZONE:
        if zones is None:
            raise ZonesRequired("the zone count is needed for a per-zone price")
        zones = max(0, zones)
        price = effective.base_price_cents + effective.per_zone_price_cents * zones
        text = (
            f"{effective.base_price_cents} + {effective.per_zone_price_cents} x {zones}"
        )
    else:
        billed = max(minutes, effective.minimum_minutes)
        price = -(-effective.hourly_rate_cents * billed // MINUTES_PER_HOUR)
        text = f"{effective.hourly_rate_cents}/h x {billed} min"
    return Quote(
        price_cents=price,
        minutes=minutes,
        pricing_model=model,
        override_applied=applied,
        quote_needed=False,
        explanation=text,
    )
