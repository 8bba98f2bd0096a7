"""Geocoding: ZIP centroids offline, Nominatim through a mocked transport, the rule."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from grins_platform.core.config import Environment, load_settings
from grins_platform.core.errors import ValidationFailed
from grins_platform.geocoding import (
    ChainGeocoder,
    GeoPoint,
    GeoPrecision,
    GeoSource,
    NominatimGeocoder,
    ZipCentroidGeocoder,
    build_geocoder,
    manual_point,
    resolve_coordinates,
    zip5,
)
from tests.conftest import LogCapture

pytestmark = pytest.mark.unit

BASE = "https://geo.example.test"
STREET = "7800 Bren Road"
# Centroids as shipped by the zipcodes package.
TWIN_CITIES = {
    "55344": (44.8574, -93.4376),  # Eden Prairie
    "55441": (45.0058, -93.4193),  # Plymouth
    "55447": (45.0033, -93.4875),  # Plymouth
    "55369": (45.1284, -93.4589),  # Maple Grove
    "55443": (45.1194, -93.3431),  # Brooklyn Park
    "55374": (45.1715, -93.5814),  # Rogers
}
Handler = Callable[[httpx.Request], httpx.Response]


def nominatim(
    handler: Handler, **kw: Any
) -> tuple[NominatimGeocoder, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(record))
    kw.setdefault("min_interval", 0.0)
    geocoder = NominatimGeocoder(BASE, user_agent="grins-test/1.0", client=client, **kw)
    return geocoder, seen


def found(lat: str = "44.8601", lon: str = "-93.4120", rank: int = 30) -> Handler:
    body = [{"lat": lat, "lon": lon, "place_rank": rank, "display_name": "x"}]
    return lambda _request: httpx.Response(200, json=body)


class Recording:
    """A geocoder that remembers being asked."""

    def __init__(self, answer: GeoPoint | None) -> None:
        self.answer = answer
        self.asked: list[tuple[str | None, ...]] = []

    async def geocode(
        self,
        address: str | None,
        city: str | None,
        state: str | None,
        zip_code: str | None,
    ) -> GeoPoint | None:
        self.asked.append((address, city, state, zip_code))
        return self.answer


# --- ZIP centroid -----------------------------------------------------------------


@pytest.mark.parametrize(("zip_code", "expected"), TWIN_CITIES.items())
async def test_twin_cities_zip_centroids(
    zip_code: str, expected: tuple[float, float]
) -> None:
    point = await ZipCentroidGeocoder().geocode(None, None, "MN", zip_code)
    assert point is not None
    assert (point.lat, point.lon) == pytest.approx(expected, abs=1e-4)
    assert point.source is GeoSource.ZIP_CENTROID
    assert point.precision is GeoPrecision.ZIP


def test_zip_centroids_are_where_the_suburbs_are() -> None:
    geocoder = ZipCentroidGeocoder()
    points = {z: geocoder.lookup(z) for z in TWIN_CITIES}
    assert all(p is not None for p in points.values())
    eden_prairie, rogers = points["55344"], points["55374"]
    assert eden_prairie is not None
    assert rogers is not None
    assert eden_prairie.lat < rogers.lat  # Rogers is north-west of Eden Prairie
    assert rogers.lon < eden_prairie.lon
    for point in points.values():
        assert point is not None
        assert 44.7 < point.lat < 45.3
        assert -93.7 < point.lon < -93.2


@pytest.mark.parametrize("zip_code", ["55344-1234", "553441234", " 55344 "])
def test_zip_plus_four_uses_the_five_digit_centroid(zip_code: str) -> None:
    point = ZipCentroidGeocoder().lookup(zip_code)
    assert point is not None
    assert (point.lat, point.lon) == pytest.approx(TWIN_CITIES["55344"], abs=1e-4)


@pytest.mark.parametrize("zip_code", [None, "", "abcde", "5534", "00000", "99999"])
def test_unknown_or_malformed_zip_has_no_centroid(zip_code: str | None) -> None:
    assert ZipCentroidGeocoder().lookup(zip_code) is None


def test_zip5() -> None:
    assert zip5("55447-0001") == "55447"
    assert zip5("5544") is None
    assert zip5(None) is None


# --- Nominatim --------------------------------------------------------------------


async def test_nominatim_structured_search_with_user_agent() -> None:
    geocoder, seen = nominatim(found())
    point = await geocoder.geocode(STREET, "Minnetonka", "MN", "55343")
    assert point == GeoPoint(
        44.8601, -93.412, GeoSource.NOMINATIM, GeoPrecision.ADDRESS
    )
    request = seen[0]
    assert request.url.path == "/search"
    assert request.headers["User-Agent"] == "grins-test/1.0"
    assert dict(request.url.params) == {
        "street": STREET,
        "city": "Minnetonka",
        "state": "MN",
        "postalcode": "55343",
        "countrycodes": "us",
        "format": "jsonv2",
        "limit": "1",
    }


@pytest.mark.parametrize(
    ("rank", "precision"),
    [(30, GeoPrecision.ADDRESS), (27, GeoPrecision.STREET), (16, GeoPrecision.AREA)],
)
async def test_nominatim_precision_from_place_rank(
    rank: int, precision: GeoPrecision
) -> None:
    geocoder, _ = nominatim(found(rank=rank))
    point = await geocoder.geocode(STREET, "Minnetonka", "MN", None)
    assert point is not None
    assert point.precision is precision


async def test_nominatim_accepts_a_base_url_ending_in_search() -> None:
    geocoder = NominatimGeocoder(f"{BASE}/search/", user_agent="x")
    assert geocoder.search_url == f"{BASE}/search"
    await geocoder.aclose()


async def test_nominatim_needs_a_street_and_a_town() -> None:
    geocoder, seen = nominatim(found())
    assert await geocoder.geocode(None, "Plymouth", "MN", "55447") is None
    assert await geocoder.geocode("  ", "Plymouth", "MN", "55447") is None
    assert await geocoder.geocode(STREET, None, "MN", None) is None
    assert seen == []


@pytest.mark.parametrize(
    "handler",
    [
        lambda _r: httpx.Response(200, json=[]),
        lambda _r: httpx.Response(500, text="boom"),
        lambda _r: httpx.Response(200, text="<html>not json</html>"),
        lambda _r: httpx.Response(200, json={"error": "Unable to geocode"}),
        lambda _r: httpx.Response(200, json=[{"lat": "north", "lon": "-93"}]),
        lambda _r: httpx.Response(200, json=[{"lat": "95.0", "lon": "-93"}]),
    ],
    ids=["no-match", "500", "html", "error-object", "bad-number", "out-of-range"],
)
async def test_nominatim_trouble_is_none_and_chain_falls_back(
    handler: Handler, logs: LogCapture
) -> None:
    geocoder, seen = nominatim(handler)
    assert await geocoder.geocode(STREET, "Plymouth", "MN", "55447") is None
    assert len(seen) == 1
    chain = ChainGeocoder([geocoder, ZipCentroidGeocoder()])
    point = await chain.geocode(STREET, "Plymouth", "MN", "55447")
    assert point is not None
    assert point.source is GeoSource.ZIP_CENTROID
    assert STREET not in json.dumps(logs.since_mark())


async def test_nominatim_timeout_is_none(logs: LogCapture) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    geocoder, _ = nominatim(slow, timeout=0.5)
    assert await geocoder.geocode(STREET, "Plymouth", "MN", "55447") is None
    failures = [
        x
        for x in logs.since_mark()
        if x["event"] == "geocoding.nominatim.geocode_failed"
    ]
    assert failures[0]["reason"] == "ReadTimeout"
    assert failures[0]["level"] == "warning"


async def test_nominatim_goes_quiet_when_told_to_back_off() -> None:
    geocoder, seen = nominatim(
        lambda _r: httpx.Response(429, headers={"Retry-After": "120"})
    )
    assert await geocoder.geocode(STREET, "Plymouth", "MN", "55447") is None
    assert await geocoder.geocode(STREET, "Plymouth", "MN", "55447") is None
    assert len(seen) == 1  # the second call did not bother the provider


async def test_nominatim_spaces_requests_by_min_interval() -> None:
    stamps: list[float] = []

    def handler(_request: httpx.Request) -> httpx.Response:
        stamps.append(time.monotonic())
        return httpx.Response(200, json=[])

    geocoder, _ = nominatim(handler, min_interval=0.05)
    for _ in range(3):
        await geocoder.geocode(STREET, "Plymouth", "MN", "55447")
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(gaps) == 2
    assert all(gap >= 0.045 for gap in gaps)


# --- the rule ---------------------------------------------------------------------


async def test_coordinates_entered_by_hand_win() -> None:
    http = Recording(GeoPoint(1.0, 2.0, GeoSource.NOMINATIM, GeoPrecision.ADDRESS))
    point = await resolve_coordinates(
        ChainGeocoder([http, ZipCentroidGeocoder()]),
        address=STREET,
        city="Plymouth",
        state="MN",
        zip_code="55447",
        latitude=45.01,
        longitude=-93.45,
    )
    assert point == GeoPoint(45.01, -93.45, GeoSource.MANUAL, GeoPrecision.EXACT)
    assert http.asked == []


async def test_http_geocoder_answers_before_the_zip_centroid() -> None:
    geocoder, _ = nominatim(found())
    point = await resolve_coordinates(
        ChainGeocoder([geocoder, ZipCentroidGeocoder()]),
        address=STREET,
        city="Eden Prairie",
        state="MN",
        zip_code="55344",
    )
    assert point is not None
    assert point.source is GeoSource.NOMINATIM


async def test_nothing_known_is_none() -> None:
    empty = Recording(None)
    chain = ChainGeocoder([empty, ZipCentroidGeocoder()])
    point = await resolve_coordinates(
        chain, address=None, city="Nowhere", state="MN", zip_code=None
    )
    assert point is None
    assert empty.asked == [(None, "Nowhere", "MN", None)]


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        (45.0, None, "longitude"),
        (None, -93.0, "latitude"),
        (91.0, -93.0, "latitude"),
        (45.0, -181.0, "longitude"),
    ],
)
def test_bad_manual_coordinates_name_the_field(
    lat: float | None, lon: float | None, field: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        manual_point(lat, lon)
    assert info.value.detail[0]["field"] == field


def test_build_geocoder_follows_the_settings() -> None:
    plain = build_geocoder(load_settings(environment=Environment.TEST))
    assert [type(g) for g in plain.geocoders] == [ZipCentroidGeocoder]
    blank = build_geocoder(load_settings(environment=Environment.TEST, geocoder_url=""))
    assert [type(g) for g in blank.geocoders] == [ZipCentroidGeocoder]
    settings = load_settings(
        environment=Environment.TEST,
        geocoder_url=BASE,
        geocoder_user_agent="Grins Irrigation (office@example.com)",
    )
    configured = build_geocoder(settings)
    assert [type(g) for g in configured.geocoders] == [
        NominatimGeocoder,
        ZipCentroidGeocoder,
    ]
    http = configured.geocoders[0]
    assert isinstance(http, NominatimGeocoder)
    assert http.user_agent == "Grins Irrigation (office@example.com)"


async def test_chain_closes_the_client_it_made() -> None:
    chain = build_geocoder(
        load_settings(environment=Environment.TEST, geocoder_url=BASE)
    )
    http = chain.geocoders[0]
    assert isinstance(http, NominatimGeocoder)
    client = http._http()
    await chain.aclose()
    assert client.is_closed
