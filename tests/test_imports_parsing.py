"""Spreadsheet import, the pure half: messy CSVs in, valid rows and every reason out."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO

import pytest
from faker import Faker

from grins_platform.imports import (
    CustomerCsv,
    ImportFileError,
    ImportReport,
    ImportRow,
    RejectedRow,
    match_columns,
    parse_customer_csv,
)
from grins_platform.imports.columns import field_for
from grins_platform.imports.values import (
    normalize_state,
    normalize_system_type,
    normalize_zip,
    parse_zone_count,
)

pytestmark = pytest.mark.unit

# What a real office spreadsheet exported from Excel looks like: a BOM, CRLF, a
# title row, headers with odd spacing/case, phones typed every which way, blank
# lines, a trailing row of empty cells, columns we do not know.
MESSY = (
    "\ufeffGrins Irrigation - customer list (2024),,,,,,,,,,\r\n"
    ",,,,,,,,,,\r\n"
    "  Customer NAME ,Phone #,Cell,E-Mail, Street Address ,CITY,St,"
    "Zip Code,# Zones,Gate Code,Notes,Last Service,Comments\r\n"
    "Jane Doe,(612) 555-0123,,Jane.Doe@Example.com,123 Main St,Plymouth,mn,"
    "55447,6,#4417,back yard,2024-05-01,dog\r\n"
    "Bob Lind,612.555.0199,763-555-0142,,9 Elm Ave,,,55344-1234,6.0,,,,\r\n"
    "\r\n"
    "Carla Ruiz,+1 952 555 0100,,carla@example.com,"
    '"77 Lake Rd, Maple Grove, MN 55369",,,,12,,,,\r\n'
    "Dee Park,1-763-555-0177,,,5 Oak Ct,Rogers,Minnesota,55374,,,,,\r\n"
    "Ed Kim,6125550123,,ed@example.com,8 Pine Ln,Eden Prairie,MN,55344,4,,,,\r\n"
    "Flo Ng,555-0123,,flo@,,,,123,150,,,,\r\n"
    ",,,,,,,,,,,,\r\n"
)


def parse(text: str, encoding: str = "utf-8") -> ImportReport:
    return parse_customer_csv(io.BytesIO(text.encode(encoding)))


def by_row(report: ImportReport) -> dict[int, ImportRow | RejectedRow]:
    parsed: list[ImportRow | RejectedRow] = [*report.rows, *report.rejected]
    return {r.row_number: r for r in parsed}


def reasons(report: ImportReport, row_number: int) -> dict[str, str]:
    row = by_row(report)[row_number]
    assert isinstance(row, RejectedRow)
    return {e.field: e.message for e in row.errors}


def test_messy_excel_export() -> None:
    report = parse(MESSY)
    assert (report.encoding, report.delimiter, report.header_row) == (
        "utf-8-sig",
        ",",
        3,
    )
    assert report.columns.ignored == ("Last Service",)
    assert [r.row_number for r in report.rows] == [4, 5, 7, 8]
    assert [r.row_number for r in report.rejected] == [9, 10]
    assert report.blank_rows == 2
    assert report.total_rows == 6
    assert not report.ok

    jane, bob, carla, dee = report.rows
    assert jane == ImportRow(
        row_number=4,
        name="Jane Doe",
        phone="+16125550123",
        alt_phone=None,
        email="jane.doe@example.com",
        address="123 Main St",
        city="Plymouth",
        state="MN",
        zip_code="55447",
        zone_count=6,
        gate_code="#4417",
        notes="back yard\ndog",
    )
    assert (bob.phone, bob.alt_phone) == ("+16125550199", "+17635550142")
    assert (bob.city, bob.zip_code, bob.zone_count) == (None, "55344-1234", 6)
    assert (carla.address, carla.city, carla.state, carla.zip_code) == (
        "77 Lake Rd",
        "Maple Grove",
        "MN",
        "55369",
    )
    assert (dee.phone, dee.state, dee.email) == ("+17635550177", "MN", None)


def test_every_rejected_row_gives_every_reason() -> None:
    report = parse(MESSY)
    assert reasons(report, 9) == {"phone": "same phone as row 4"}
    flo = reasons(report, 10)
    assert flo == {
        "phone": "missing the area code",
        "email": flo["email"],
        "address": "a street address is required",
        "zip_code": "ZIP must be 5 digits or ZIP+4 (55344 or 55344-1234)",
        "zone_count": "zones must be a whole number from 0 to 99",
    }
    assert flo["email"].startswith("not a valid email address")
    assert [(e.row_number, e.field) for e in report.errors][:2] == [
        (9, "phone"),
        (10, "phone"),
    ]


HEADER = "Name,Phone,Email,Address,City,State,ZIP,Zones,System Type,Lead Source\n"


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (",6125550123,,1 A St,Plymouth,MN,55447,,,", "name", "a name is required"),
        ("Al,,,1 A St,Plymouth,MN,55447,,,", "phone", "a phone or an email"),
        ("Al,612-555,,1 A St,Plymouth,MN,55447,,,", "phone", "too short"),
        ("Al,123-456-7890,,1 A St,Plymouth,MN,55447,,,", "phone", "not a valid"),
        ("Al,612-555-0123 x4,,1 A St,Plymouth,MN,,,,", "phone", "extensions"),
        ("Al,,al@@x.com,1 A St,Plymouth,MN,55447,,,", "email", "not a valid email"),
        ("Al,6125550123,,,Plymouth,MN,55447,,,", "address", "street address"),
        ("Al,6125550123,,1 A St,,MN,,,,", "city", "a city or ZIP"),
        ("Al,6125550123,,1 A St,Plymouth,Mars,,,,", "state", "not a US state"),
        ("Al,6125550123,,1 A St,Plymouth,MN,5544-12,,,", "zip_code", "ZIP must"),
        ("Al,6125550123,,1 A St,Plymouth,MN,,-1,,", "zone_count", "whole number"),
        ("Al,6125550123,,1 A St,Plymouth,MN,,100,,", "zone_count", "0 to 99"),
        ("Al,6125550123,,1 A St,Plymouth,MN,,six,,", "zone_count", "whole number"),
        ("Al,6125550123,,1 A St,Plymouth,MN,,,drip,", "system_type", "lake pump"),
        (f"Al,6125550123,,1 A St,Plymouth,MN,,,,{'x' * 101}", "lead_source", "100"),
    ],
)
def test_each_rule_names_its_field(line: str, field: str, message: str) -> None:
    report = parse(HEADER + line + "\n")
    assert report.rows == []
    assert [(e.row_number, e.field) for e in report.errors] == [(2, field)]
    assert message in report.errors[0].message


def test_semicolon_delimited_windows_1252_file() -> None:
    text = (
        "Kunde;Name;Telephone;Address;Zip\r\n"
        "x;José Núñez;612 555 0123;12 Çedar Ave;55447\r\n"
    )
    report = parse(text, encoding="cp1252")
    assert (report.encoding, report.delimiter) == ("cp1252", ";")
    assert report.rows[0].name == "José Núñez"
    assert report.rows[0].address == "12 Çedar Ave"


def test_utf16_with_tabs() -> None:
    text = (
        "Name\tMobile\tAddress\tCity\nÅsa Berg\t(651) 555-0111\t4 Birch Dr\tRoseville\n"
    )
    report = parse(text, encoding="utf-16")
    assert report.delimiter == "\t"
    assert report.rows[0].name == "Åsa Berg"
    assert report.rows[0].phone == "+16515550111"


def test_first_and_last_name_columns_are_joined() -> None:
    report = parse(
        "First Name,Last Name,Phone,Address,City\n"
        "Jane, Doe ,6125550123,1 A St,Plymouth\n"
        ",Solo,6125550124,1 A St,Plymouth\n"
    )
    assert [r.name for r in report.rows] == ["Jane Doe", "Solo"]


def test_excel_number_and_text_cells() -> None:
    report = parse(
        "Name,Phone,Address,City,Zip,Zones\n"
        'Al,6125550123,1 A St,Boston,="02134",3\n'
        "Bo,6125550124,1 A St,Boston,2134,3.0\n"
        "Cy,6125550125,1 A St,Plymouth,55447.0,\n"
        "Di,6125550126,1 A St,Plymouth,554471234,\n"
    )
    assert [r.zip_code for r in report.rows] == [
        "02134",
        "02134",
        "55447",
        "55447-1234",
    ]


def test_duplicates_in_the_file_are_found_whatever_the_format() -> None:
    report = parse(
        "Name,Phone,Alt Phone,Email,Address,City\n"
        "Al,(612) 555-0123,,al@example.com,1 A St,Plymouth\n"
        "Bo,+1 612 555 0123,,,2 B St,Plymouth\n"
        "Cy,,,AL@Example.COM,3 C St,Plymouth\n"
        "Di,763-555-0100,612.555.0123,,4 D St,Plymouth\n"
        "Ed,763 555 0100,,,5 E St,Plymouth\n"
    )
    assert [r.row_number for r in report.rows] == [2]
    assert reasons(report, 3) == {"phone": "same phone as row 2"}
    assert reasons(report, 4) == {"email": "same email as row 2"}
    assert reasons(report, 5) == {"phone": "same phone as row 2"}
    # Rejected rows still claim their numbers, so the next copy is also reported.
    assert reasons(report, 6) == {"phone": "same phone as row 5"}


def test_three_phone_numbers_are_too_many() -> None:
    report = parse(
        "Name,Phone,Mobile,Work Phone,Address,City\n"
        "Al,6125550123,6125550124,6125550125,1 A St,Plymouth\n"
        "Bo,6125550126,(612) 555-0126,,1 A St,Plymouth\n"
    )
    assert reasons(report, 2) == {"phone": "more than two different phone numbers"}
    assert report.rows[0].phone == "+16125550126"
    assert report.rows[0].alt_phone is None


def test_access_codes_stay_out_of_repr() -> None:
    report = parse(
        "Name,Phone,Address,City,Gate Code,Lockbox\n"
        "Al,6125550123,1 A St,Plymouth,7731,4490\n"
    )
    row = report.rows[0]
    assert (row.gate_code, row.lockbox_code) == ("7731", "4490")
    assert "7731" not in repr(row)
    assert "4490" not in repr(row)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Customer Name", "name"),
        ("FULL NAME", "name"),
        ("client", "name"),
        ("first_name", "first_name"),
        ("Surname", "last_name"),
        ("Phone Number", "phone"),
        ("Mobile", "phone"),
        ("cell phone", "phone"),
        ("Customer Phone", "phone"),
        ("e-mail", "email"),
        (" Email Address ", "email"),
        ("Street", "address"),
        ("Service Address", "address"),
        ("Address Line 2", "address2"),
        ("Town", "city"),
        ("ST", "state"),
        ("Zip/Postal Code", "zip_code"),
        ("Postal Code", "zip_code"),
        ("# Zones", "zone_count"),
        ("Zone Count", "zone_count"),
        ("No. of Zones", "zone_count"),
        ("System Type", "system_type"),
        ("Lead Source", "lead_source"),
        ("How did you hear about us?", "lead_source"),
        ("Gate Code", "gate_code"),
        ("Lock-Box", "lockbox_code"),
        ("Comments", "notes"),
        ("Special Instructions", "notes"),
        ("Last Service Date", None),
        ("", None),
    ],
)
def test_header_names_are_matched_flexibly(header: str, field: str | None) -> None:
    assert field_for(header) == field


def test_a_second_column_for_a_single_field_is_ignored() -> None:
    columns = match_columns(["Name", "Email", "Address", "Street", "E-mail"])
    assert columns.fields["address"] == (2,)
    assert columns.fields["email"] == (1,)
    assert columns.ignored == ("Street", "E-mail")


@pytest.mark.parametrize(
    ("headers", "missing"),
    [
        (["Phone", "Address", "City"], "a name"),
        (["Name", "Address", "City"], "a phone or email"),
        (["Name", "Phone", "City", "Zip"], "a street address"),
    ],
)
def test_missing_columns_stop_the_file(headers: list[str], missing: str) -> None:
    with pytest.raises(ImportFileError, match=missing) as info:
        match_columns(headers)
    assert info.value.detail[0]["field"] == "file"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\n", "empty"),
        ("a,b,c\n1,2,3\n", "no header row"),
        ("Customers\n" * 30 + "Name,Phone,Address\n", "no header row"),
    ],
)
def test_unusable_files_are_refused(text: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        parse(text)


def test_invalid_utf8_after_the_sample_names_the_row() -> None:
    good = "".join(f"Person {i},612555{i:04d},{i} A St,Plymouth\n" for i in range(2000))
    data = ("Name,Phone,Address,City\n" + good).encode() + b"Bad \xff\xfe,1,2,3\n"
    assert len(data) > 64 * 1024
    source = CustomerCsv(io.BytesIO(data))
    with pytest.raises(ImportFileError, match=r"not valid utf-8 after row \d+"):
        list(source.rows())


class CountingStream(io.RawIOBase):
    """A large generated CSV that counts how much of it has been read."""

    def __init__(self, rows: int) -> None:
        super().__init__()
        lines = (
            f"Customer {i},612{200 + i // 10000}{i % 10000:04d},{i} Main St,Plymouth\n"
            for i in range(rows)
        )
        self._data = io.BytesIO(("Name,Phone,Address,City\n" + "".join(lines)).encode())
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        size = self._data.readinto(buffer)
        self.bytes_read += size
        return size


def test_rows_stream_without_reading_the_whole_file() -> None:
    stream = CountingStream(100_000)
    total = len(stream._data.getbuffer())
    rows = CustomerCsv(io.BufferedReader(stream)).rows()
    first = next(rows)
    assert isinstance(first, ImportRow)
    assert first.name == "Customer 0"
    assert stream.bytes_read < total / 10


def write_faker_csv(path: Path, rows: int) -> tuple[int, int]:
    """A realistic 20k-row export; returns (bad phone rows, duplicate rows)."""
    fake = Faker("en_US")
    Faker.seed(4417)
    # Pools keep generation quick; the phones and emails are unique per row.
    names = [fake.name() for _ in range(997)]
    streets = [fake.street_address() for _ in range(991)]
    places = [(fake.city(), fake.state_abbr(), fake.zipcode()) for _ in range(983)]
    notes = [fake.sentence() for _ in range(101)]
    domains = [fake.free_email_domain() for _ in range(7)]
    formats = ["({a}) {e}-{l}", "{a}.{e}.{l}", "+1 {a} {e} {l}", "{a}{e}{l}"]
    bad = dupes = 0
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        out = csv.writer(handle)
        out.writerow([
            "Customer Name", "Phone", "Email", "Street Address", "City", "State",
            "Zip", "# Zones", "Notes", "Lead Source",
        ])  # fmt: skip
        for i in range(rows):
            exchange, line = 200 + i // 10000, f"{i % 10000:04d}"
            if i % 100 == 25:  # the previous row's number, typed differently
                exchange, line = 200 + (i - 1) // 10000, f"{(i - 1) % 10000:04d}"
                dupes += 1
            phone = formats[i % 4].format(a=612, e=exchange, l=line)
            if i % 50 == 0:
                phone, bad = "555-01", bad + 1
            city, state, zip_code = places[i % len(places)]
            out.writerow([
                names[i % len(names)], phone, f"c{i}@{domains[i % len(domains)]}",
                streets[i % len(streets)], city, state, zip_code, i % 20,
                notes[i % len(notes)], "Yard sign",
            ])  # fmt: skip
            if i % 1000 == 0:
                out.writerow([])
    return bad, dupes


def test_twenty_thousand_faker_rows(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    bad, dupes = write_faker_csv(path, 20_000)
    with path.open("rb") as handle:
        stream: IO[bytes] = handle
        report = parse_customer_csv(stream)
    assert (bad, dupes) == (400, 200)
    assert report.total_rows == 20_000
    assert report.blank_rows == 20
    assert len(report.rejected) == bad + dupes
    assert len(report.rows) == 20_000 - bad - dupes
    fields = {(e.field, e.message.split(" as row")[0]) for e in report.errors}
    assert fields == {("phone", "too short"), ("phone", "same phone")}


@pytest.mark.parametrize(
    ("text", "state"),
    [("mn", "MN"), ("Minnesota", "MN"), (" new  york ", "NY"), ("Wis.", "WI")],
)
def test_state_names(text: str, state: str) -> None:
    assert normalize_state(text) == state


@pytest.mark.parametrize(
    ("text", "zip_code"),
    [("55344", "55344"), ("55344-1234", "55344-1234"), ("55344 1234", "55344-1234")],
)
def test_zip_forms(text: str, zip_code: str) -> None:
    assert normalize_zip(text) == zip_code


def test_zone_counts_and_system_types() -> None:
    assert parse_zone_count("0") == 0
    assert parse_zone_count("99") == 99
    assert normalize_system_type("Lake-Pump") == "lake_pump"
    assert normalize_system_type(" STANDARD ") == "standard"
