"""Geocoding through a Nominatim-compatible HTTP search API (``GEOCODER_URL``).

Friendly to the provider as Nominatim's usage policy asks: an identifying
User-Agent, at most one request per ``min_interval`` seconds from this process,
a short timeout, and silence for as long as the server asks after a 429/503.
Every failure is logged (without the address) and answered with ``None``, so the
caller falls back to the ZIP centroid.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar, Final

import httpx

from grins_platform.core.log_config import LoggerMixin
from grins_platform.geocoding.base import GeoPoint, GeoPrecision, GeoSource, in_range

DEFAULT_TIMEOUT: Final = 5.0
DEFAULT_MIN_INTERVAL: Final = 1.0
DEFAULT_BACKOFF: Final = 60.0
_RANK_ADDRESS: Final = 30
_RANK_STREET: Final = 26
_BUSY_STATUSES: Final = frozenset({429, 503})
_HTTP_OK: Final = 200


def precision_of(result: dict[str, Any]) -> GeoPrecision:
    """Map Nominatim's ``place_rank`` (30 = a building) to our precision."""
    try:
        rank = int(result.get("place_rank", 0))
    except (TypeError, ValueError):
        rank = 0
    if rank >= _RANK_ADDRESS:
        return GeoPrecision.ADDRESS
    if rank >= _RANK_STREET:
        return GeoPrecision.STREET
    return GeoPrecision.AREA


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(1.0, float(value))
    except ValueError:
        return DEFAULT_BACKOFF


class NominatimGeocoder(LoggerMixin):
    """Structured search against ``{base_url}/search``.

    Args:
        base_url: The API root, e.g. ``https://nominatim.example.org``.
        user_agent: Sent with every request; should name the business and a contact.
        client: An ``httpx.AsyncClient`` to use (closed by its owner); by default
            one is made and closed by :meth:`aclose`.
        timeout: Seconds before a request is given up.
        min_interval: Seconds between two requests from this process.
        country_codes: Restricts results (Nominatim's ``countrycodes``).
    """

    DOMAIN: ClassVar[str] = "geocoding"
    COMPONENT: ClassVar[str] = "nominatim"

    def __init__(
        self,
        base_url: str,
        *,
        user_agent: str,
        client: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        country_codes: str = "us",
    ) -> None:
        root = base_url.strip().rstrip("/")
        self.search_url = root if root.endswith("/search") else f"{root}/search"
        self.user_agent = user_agent
        self.timeout = timeout
        self.min_interval = min_interval
        self.country_codes = country_codes
        self._client = client
        self._owns_client = client is None
        self._lock = asyncio.Lock()
        self._next_allowed = 0.0
        self._quiet_until = 0.0

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient()
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client if this geocoder made it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def geocode(
        self,
        address: str | None,
        city: str | None,
        state: str | None,
        zip_code: str | None,
    ) -> GeoPoint | None:
        """Search the street address; ``None`` without a street or on any failure."""
        if not (address and address.strip()) or not (city or zip_code):
            return None
        params = {
            "street": address.strip(),
            "city": (city or "").strip(),
            "state": (state or "").strip(),
            "postalcode": (zip_code or "").strip(),
            "countrycodes": self.country_codes,
            "format": "jsonv2",
            "limit": "1",
        }
        params = {key: value for key, value in params.items() if value}
        if time.monotonic() < self._quiet_until:
            self.log_rejected("geocode", reason="provider_backing_off")
            return None
        response = await self._request(params)
        return None if response is None else self._parse(response)

    async def _request(self, params: dict[str, str]) -> httpx.Response | None:
        async with self._lock:
            wait = self._next_allowed - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                response = await self._http().get(
                    self.search_url,
                    params=params,
                    headers={
                        "User-Agent": self.user_agent,
                        "Accept": "application/json",
                    },
                    timeout=self.timeout,
                )
            except httpx.HTTPError as exc:
                self._failed(type(exc).__name__)
                return None
            finally:
                self._next_allowed = time.monotonic() + self.min_interval
        if response.status_code in _BUSY_STATUSES:
            self._quiet_until = time.monotonic() + _retry_after(response)
            self._failed("provider_busy", status_code=response.status_code)
            return None
        if response.status_code != _HTTP_OK:
            self._failed("http_status", status_code=response.status_code)
            return None
        return response

    def _parse(self, response: httpx.Response) -> GeoPoint | None:
        try:
            results: Any = response.json()
            first: dict[str, Any] = results[0] if results else {}
            if not first:
                self.log_completed("geocode", found=False)
                return None
            lat, lon = float(first["lat"]), float(first["lon"])
        except (ValueError, KeyError, TypeError, IndexError):
            self._failed("bad_response")
            return None
        if not in_range(lat, lon):
            self._failed("bad_response")
            return None
        precision = precision_of(first)
        self.log_completed("geocode", found=True, precision=precision.value)
        return GeoPoint(lat, lon, GeoSource.NOMINATIM, precision)

    def _failed(self, reason: str, **kw: Any) -> None:
        # A warning, not an error: the ZIP centroid answers instead.
        self.logger.warning(self._event("geocode", "failed"), reason=reason, **kw)
