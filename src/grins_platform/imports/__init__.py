"""Spreadsheet import, the pure half: read a CSV, match columns, validate rows.

``parse_customer_csv(stream)`` gives an ``ImportReport`` (valid ``ImportRow``s and
every ``RejectedRow`` with its ``RowError``s); ``CustomerCsv(stream).rows()`` gives
the same one row at a time for progress bars.
"""

from grins_platform.imports.columns import ALIASES, ColumnMap, match_columns
from grins_platform.imports.csv_stream import ImportFileError
from grins_platform.imports.customers import (
    CustomerCsv,
    ImportReport,
    ParsedRow,
    parse_customer_csv,
)
from grins_platform.imports.rows import ImportRow, RejectedRow, RowError, validate_row

__all__ = [
    "ALIASES",
    "ColumnMap",
    "CustomerCsv",
    "ImportFileError",
    "ImportReport",
    "ImportRow",
    "ParsedRow",
    "RejectedRow",
    "RowError",
    "match_columns",
    "parse_customer_csv",
    "validate_row",
]
