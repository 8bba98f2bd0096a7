"""The customer spreadsheet, row by row: header matching, validation, duplicates.

This is the pure half of the import: no database. It streams, so the CLI can show
progress and a 20,000-row file never sits in memory as text. The database half
(duplicates against existing customers, the all-or-nothing write) belongs to the
customers domain.

A row whose phone or email already appeared on an earlier valid row (or an earlier
row rejected only as a duplicate) is rejected as a duplicate of that row; the first
occurrence is kept. Rows rejected for other reasons do not claim their numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from grins_platform.imports.columns import ColumnMap, find_header, match_columns
from grins_platform.imports.csv_stream import CsvStream, open_csv
from grins_platform.imports.rows import ImportRow, RejectedRow, RowError, validate_row

ParsedRow = ImportRow | RejectedRow


class CustomerCsv:
    """An open customer spreadsheet: how it was read, then its rows.

    Args:
        stream: The file as bytes (opened ``"rb"``, or an upload's file object).

    Raises:
        ImportFileError: Empty file, no header row, or a needed column is missing.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._csv: CsvStream = open_csv(stream)
        self._records = self._csv.records()
        self.header_row, header = find_header(self._records)
        self.columns: ColumnMap = match_columns(header)
        self.blank_rows = 0
        self._first_seen: dict[str, int] = {}

    @property
    def encoding(self) -> str:
        """The text encoding the file was read with."""
        return self._csv.encoding

    @property
    def delimiter(self) -> str:
        """The delimiter the file uses."""
        return self._csv.delimiter

    def rows(self) -> Iterator[ParsedRow]:
        """Each non-blank row after the header, validated, in file order."""
        for row_number, cells in self._records:
            if not any(cells):
                self.blank_rows += 1
                continue
            yield self._dedupe(validate_row(row_number, cells, self.columns))

    def _dedupe(self, parsed: ParsedRow) -> ParsedRow:
        if isinstance(parsed, RejectedRow):
            return parsed
        errors: list[RowError] = []
        keys = [
            ("phone", parsed.phone),
            ("phone", parsed.alt_phone),
            ("email", parsed.email),
        ]
        for name, value in keys:
            if value is None:
                continue
            first = self._first_seen.setdefault(f"{name}:{value}", parsed.row_number)
            if first != parsed.row_number:
                errors.append(
                    RowError(parsed.row_number, name, f"same {name} as row {first}")
                )
        return RejectedRow(parsed.row_number, tuple(errors)) if errors else parsed


@dataclass(slots=True)
class ImportReport:
    """Everything a dry run shows: the good rows and every rejected row's reasons."""

    columns: ColumnMap
    encoding: str
    delimiter: str
    header_row: int
    rows: list[ImportRow] = field(default_factory=list[ImportRow])
    rejected: list[RejectedRow] = field(default_factory=list[RejectedRow])
    blank_rows: int = 0

    @property
    def total_rows(self) -> int:
        """Data rows read (blank rows not counted)."""
        return len(self.rows) + len(self.rejected)

    @property
    def errors(self) -> list[RowError]:
        """Every reason of every rejected row, in file order."""
        return [error for row in self.rejected for error in row.errors]

    @property
    def ok(self) -> bool:
        """Whether every row can be imported."""
        return not self.rejected


def parse_customer_csv(stream: IO[bytes]) -> ImportReport:
    """Read and validate a whole customer spreadsheet.

    Raises:
        ImportFileError: The file cannot be imported at all (see ``CustomerCsv``).
    """
    source = CustomerCsv(stream)
    report = ImportReport(
        columns=source.columns,
        encoding=source.encoding,
        delimiter=source.delimiter,
        header_row=source.header_row,
    )
    for parsed in source.rows():
        if isinstance(parsed, ImportRow):
            report.rows.append(parsed)
        else:
            report.rejected.append(parsed)
    report.blank_rows = source.blank_rows
    return report
