"""Reading a user's own indicator tables, as they really arrive.

A table of raw indicators (the article's ``J_A`` ... ``J_F`` or the codes of any metadata) may
come as

- a CSV written by Excel in any locale: ``,`` ``;`` tab or ``|`` between fields, ``.`` or ``,``
  as decimal mark, spaces, ``,`` or ``.`` between thousands; UTF-8 with or without BOM, or
  cp1251 (Windows Cyrillic);
- an Excel workbook (``.xlsx``, ``.xls``, ``.ods``) shaped like the Bureau of National
  Statistics' tables: title rows above the header, a units row under it, footnote marks such
  as ``1)`` after names, ``-``, ``…`` or ``х`` where a value is not available, a national total
  row;
- in *long* layout (a region column, a year column, one column per indicator) or *wide* layout
  (regions as rows, years as columns, one indicator per sheet or per file, named in the sheet
  name, the file name or a title row).

Whatever was inferred (separator, decimal mark, thousands separator, encoding, sheet, header
row, layout) is reported in ``frame.attrs`` and in the one-line ``frame.attrs["summary"]``; each
can be given instead (``sep=``, ``decimal=``, ``thousands=``, ``encoding=``, ``header=``,
``sheet=``).  Every sheet of a workbook is accounted for (read, holding no table, or hidden and
not read), and a text row is read only when it has as many fields as its header.  A cell is a
number only when its reading is unambiguous: ``7,013`` is refused,
naming both readings, unless the locale or the column settles it.  Every refusal is an
:class:`IndicatorTableError` naming the file, the sheet, the row as a spreadsheet shows it, the
column, the value and what is allowed.

Like :mod:`itclusters.data`, this module touches disk; everything it returns is a tidy frame.
"""
from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from . import layouts as _layouts
from ._checks import checked
from .regions import (ARTICLE_LAYOUT, NATIONAL, REGION_IDS, PostReformRegionError,
                      UnknownRegionError, is_total_row, names_a_unit, region_name)

__all__ = ["IndicatorTableError", "read_indicators", "indicator_template", "MISSING_MARKS",
           "YEAR_RANGE"]


class IndicatorTableError(ValueError):
    """A user's indicator table that cannot be used; the message names file, row, column, value."""


#: Cell texts that mean "not available" (BNS conventions and the usual ones): read as missing,
#: never as zero.  ``х`` is the Cyrillic letter, ``x`` the Latin one; both are used.
#: ``#N/A`` is not one of them: it is also Excel's error of a failed lookup, and is refused.
MISSING_MARKS = frozenset({"", "-", "–", "—", "−", "…", "...", "..", "х", "x", "Х", "X",
                           "n/a", "N/A", "na", "NA"})
#: Years a table may hold (the Bureau's regional series start in the 1990s).
YEAR_RANGE = (1990, 2100)

_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_HEADER_SEARCH_ROWS = 30
_REGION_HEADERS = {"region", "regions", "region id", "region name", "region_id", "name", "регион",
                   "регионы", "область", "области", "наименование", "наименование региона",
                   "территория", "облыс", "облыстар", "аймақ", "аймақтар", "өңір", "өңірлер",
                   "атауы"}
_YEAR_HEADERS = {"year", "years", "год", "годы", "жыл", "жылы", "жылдар"}
_TOTAL_ROWS = {"республика казахстан", "казахстан", "рк", "қазақстан республикасы", "қазақстан",
               "қр", "republic of kazakhstan", "kazakhstan", "total", "всего", "итого",
               "барлығы", "national", "country"}
_NOTE_START = re.compile(r"^\s*(\d{1,2}\)|\*|примечани|note|источник|source|ескерту|дереккөз)",
                         re.IGNORECASE)
_FOOTNOTE = re.compile(r"(?:\s*(?:\(\d{1,2}\)|\d{1,2}\)|\*+|[¹²³⁴⁵⁶⁷⁸⁹⁰]+))+\s*$")
_YEAR_TEXT = re.compile(r"^(\d{4})(?:\.0+)?(?:\s*(?:г\.?|гг\.?|год|жыл|ж\.?|year))?$", re.IGNORECASE)
_SPACES = "\u00a0\u202f\u2009\u2007 '’"
_MINUS = "−‒–"


# --- cells and numbers ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Number:
    """How one cell's text can be read as a number."""

    value: float | None = None        # the reading when there is only one
    decimal: str | None = None        # the decimal mark the cell proves (".", ",")
    thousands: str | None = None      # the thousands separator the cell proves
    ambiguous: str | None = None      # a lone separator before exactly three digits
    as_decimal: float | None = None   # reading of an ambiguous cell with it as decimal mark
    as_thousands: float | None = None  # ... and as thousands separator


_INT = re.compile(r"^\d+$")
_ONE_SEP = re.compile(r"^(\d+)([.,])(\d+)$")
_GROUPED = re.compile(r"^[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})+$")
_MIXED = re.compile(r"^[1-9]\d{0,2}(?:([.,])\d{3})+([.,])\d+$")
_SPACE_GROUPED = re.compile(r"^[1-9]\d{0,2}(?:[ ]\d{3})+(?:[.,]\d+)?$")
_SCIENTIFIC = re.compile(r"^(\d+)(?:([.,])(\d+))?[eE]([+-]?\d{1,3})$")


def _read_number(text: str) -> _Number | None:
    """The possible readings of a number as written, or None when it is not a number."""
    text = text.strip()
    for minus in _MINUS:
        text = text.replace(minus, "-")
    sign = 1.0
    if text[:1] in "+-" and len(text) > 1:
        sign, text = (-1.0 if text[0] == "-" else 1.0), text[1:].lstrip()
    spaced = any(ch in text for ch in _SPACES)
    if spaced:
        flat = text
        for ch in _SPACES:
            flat = flat.replace(ch, " ")
        if not _SPACE_GROUPED.match(flat):
            return None
        text = flat.replace(" ", "")
    if _INT.match(text):
        return _Number(value=sign * float(text))
    scientific = _SCIENTIFIC.match(text)
    if scientific and not spaced:  # "4.50E-04", as Excel writes small ratios
        whole, mark, frac, exponent = scientific.groups()
        value = sign * float(f"{whole}.{frac or 0}e{exponent}")
        return _Number(value=value, decimal=mark) if math.isfinite(value) else None
    one = _ONE_SEP.match(text)
    if one:
        whole, mark, frac = one.groups()
        decimal_value = sign * float(f"{whole}.{frac}")
        if (not spaced and len(frac) == 3 and 1 <= len(whole) <= 3 and whole[0] != "0"):
            return _Number(ambiguous=mark, as_decimal=decimal_value,
                           as_thousands=sign * float(whole + frac))
        return _Number(value=decimal_value, decimal=mark)
    if spaced:
        return None
    grouped = _GROUPED.match(text)
    if grouped:
        mark = grouped.group(1)
        return _Number(value=sign * float(text.replace(mark, "")), thousands=mark,
                       decimal="," if mark == "." else ".")
    mixed = _MIXED.match(text)
    if mixed and mixed.group(1) != mixed.group(2):
        group, mark = mixed.groups()
        body = text.replace(group, "").replace(mark, ".")
        return _Number(value=sign * float(body), thousands=group, decimal=mark)
    return None


def _show(number: float) -> str:
    return f"{number:.10g}"


def _clean_name(text: str) -> str:
    """A name cell without footnote marks ("Акмолинская 1)") and surrounding space."""
    return _FOOTNOTE.sub("", str(text)).strip()


def _header_key(cell) -> str:
    text = _clean_name("" if cell is None else str(cell)).casefold()
    text = re.sub(r"[\s_]+", " ", text).strip(" :.,")
    return text


def _as_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        if math.isnan(cell):
            return ""
        return _show(cell)
    return str(cell)


def _year_of(cell) -> int | None:
    """A year written in a header or a year column, or None."""
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, (int, float, np.integer, np.floating)):
        if not np.isfinite(cell) or float(cell) != int(cell):
            return None
        year = int(cell)
    else:
        match = _YEAR_TEXT.match(_clean_name(cell))
        if not match:
            return None
        year = int(match.group(1))
    return year if YEAR_RANGE[0] <= year <= YEAR_RANGE[1] else None


# --- a grid of cells with the positions a spreadsheet shows -------------------------------------

@dataclass
class _Grid:
    path: Path
    rows: list[list]                 # cells; text files give strings, workbooks typed values
    sheet: str | None = None
    encoding: str | None = None
    sep: str | None = None
    excel: bool = False
    hidden: bool = False             # a workbook sheet the user does not see

    def where(self, row: int | None = None, column: int | None = None,
              name: str | None = None) -> str:
        """File, sheet, row (1-based, as shown) and column, for a message."""
        parts = [str(self.path)]
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if row is not None:
            parts.append(f"row {row + 1}")
        if column is not None or name is not None:
            label = f"column {name!r}" if name else "column"
            if column is not None and (self.excel or not name):
                label += f" ({_column_letter(column)})" if name else f" {_column_letter(column)}"
            parts.append(label)
        return ", ".join(parts)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _fail(grid: _Grid | Path, message: str, row: int | None = None, column: int | None = None,
          name: str | None = None) -> None:
    where = grid.where(row, column, name) if isinstance(grid, _Grid) else str(grid)
    raise IndicatorTableError(f"{where}: {message}")


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            _fail(path, f"unknown encoding {encoding!r}; use e.g. 'utf-8', 'utf-8-sig' or 'cp1251'")
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as err:
            _fail(path, f"cannot be read as {encoding}: byte {data[err.start]:#04x} at offset "
                        f"{err.start} is not valid there; try encoding='utf-8' or 'cp1251'")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(name), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1251", errors="replace")
    if "\ufffd" in text:  # cp1251 leaves one byte (0x98) undefined
        _fail(path, "is neither UTF-8 nor cp1251 text; give the encoding, e.g. encoding='koi8-r'")
    return text, "cp1251"


def _text_grids(path: Path, data: bytes, sep: str | None, encoding: str | None,
                shown: str | None = None) -> list[_Grid]:
    """The file parsed with the given separator, or with every candidate, most likely first.

    ``shown`` is the encoding to report when the text was decoded before (an open text file)."""
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        hint = (" (it starts like an Excel .xlsx workbook: rename it to .xlsx)"
                if data.startswith(b"PK\x03\x04") else "")
        _fail(path, f"is a binary file, not a text table{hint}; expected a CSV, .xlsx or .xls file")
    text, used = _decode(path, data, encoding)
    if not text.strip():
        _fail(path, "is empty: expected a header row and one row per region and year")
    if sep is not None:
        if not isinstance(sep, str) or len(sep) != 1:
            _fail(path, f"sep must be one character such as ',', ';' or '\\t', got {sep!r}")
        candidates = [sep]
    else:
        first = next(line for line in text.splitlines() if line.strip())
        sample = "\n".join(text.splitlines()[:_HEADER_SEARCH_ROWS])
        candidates = sorted(_SEPARATORS, key=lambda s: (-sample.count(s), -first.count(s)))
    grids = []
    for candidate in candidates:
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=candidate))
        except csv.Error as err:
            _fail(path, f"is not a well-formed {_SEPARATORS.get(candidate, repr(candidate))}-"
                        f"separated file ({err}); check the quotes")
        grids.append(_Grid(path, rows, encoding=shown or used, sep=candidate))
    return grids


class _ExcelFault(str):
    """A workbook cell that holds no number where one is expected: an error value such as
    ``#REF!``, or a formula saved without its computed value.  Its text is what Excel shows."""

    reason: str = ""


def _fault(text: str, reason: str) -> _ExcelFault:
    fault = _ExcelFault(text)
    fault.reason = reason
    return fault


_EXCEL_ERRORS = {
    "#N/A": "Excel's error of a failed lookup (VLOOKUP, MATCH), or a value marked not available "
            "with NA(); which one is not clear: correct the lookup, or type '-' or leave the "
            "cell empty where the value is not available",
    "#REF!": "Excel's error of a formula whose cells were deleted; correct the formula or type "
             "the value",
}


def _excel_faults(path: Path, data: bytes) -> dict[str, dict[tuple[int, int], _ExcelFault]]:
    """Error values and formulas of an .xlsx workbook, by sheet and (row, column), 0-based.

    calamine reads both as empty cells, which would make them "not available"."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as err:  # a workbook calamine reads but openpyxl does not: no check
        import warnings
        warnings.warn(f"{path}: error cells and formulas cannot be checked ({err})", stacklevel=4)
        return {}
    faults: dict = {}
    try:
        for sheet in book.worksheets:
            found = {}
            for row in sheet.iter_rows():
                for cell in row:
                    kind = getattr(cell, "data_type", None)
                    if kind == "e":
                        text = str(cell.value)
                        found[(cell.row - 1, cell.column - 1)] = _fault(text, _EXCEL_ERRORS.get(
                            text, "an Excel error value; correct the formula or type the value"))
                    elif kind == "f":
                        text = str(cell.value)
                        found[(cell.row - 1, cell.column - 1)] = _fault(
                            text, "a formula without a computed value (a workbook written by a "
                                  "program keeps none; one saved by Excel keeps an error here); "
                                  "open the file in Excel or LibreOffice, check the cell, save "
                                  "it, and read it again")
            faults[sheet.title] = found
    finally:
        book.close()
    return faults


def _excel_grids(path: Path, data: bytes, suffix: str, sheet: str | int | None) -> list[_Grid]:
    try:
        from python_calamine import CalamineWorkbook, SheetVisibleEnum
    except ImportError:  # pragma: no cover - a dependency of the package
        _fail(path, "reading Excel files needs the python-calamine package: pip install "
                    "python-calamine (or save the workbook as .xlsx or CSV)")
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
        hidden = {m.name for m in book.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
    except Exception as err:  # calamine raises several kinds for a damaged file
        _fail(path, f"is not a readable Excel workbook ({type(err).__name__}: {err}); "
                    f"open it in Excel and save it again as .xlsx, or export it as CSV")
    faults = _excel_faults(path, data) if suffix in (".xlsx", ".xlsm") else {}
    if sheet is not None:
        if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(names):
            names = [names[sheet]]
        elif sheet in names:
            names = [sheet]
        else:
            _fail(path, f"has no sheet {sheet!r}; its sheets are {names}")
    grids = []
    for name in names:
        try:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as err:
            _fail(path, f"sheet {name!r} cannot be read ({type(err).__name__}: {err})")
        rows = [list(r) for r in rows]
        for (r, c), fault in faults.get(name, {}).items():
            if r < len(rows) and c < len(rows[r]) and (
                    not fault.reason.startswith("a formula") or _is_blank(rows[r][c])):
                rows[r][c] = fault  # a formula with its computed value is that value
        grids.append(_Grid(path, rows, sheet=name, excel=True, hidden=name in hidden))
    return grids


# --- the shape of a table -----------------------------------------------------------------------

@dataclass
class _Shape:
    header: int                       # 0-based row of the header
    layout: str                       # "long" or "wide"
    region: int                       # column of region names
    year: int | None = None           # long: the year column
    columns: dict = field(default_factory=dict)  # long: code -> column; wide: year -> column
    indicator: str | None = None      # wide: the indicator code
    ignored: list = field(default_factory=list)
    twice: dict = field(default_factory=dict)  # long: code -> the columns that repeat it


def _code_in(text: str, codes: Sequence[str]) -> list[str]:
    found = []
    for code in codes:
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z0-9])", text, re.IGNORECASE):
            found.append(code)
    return found


def _header_code(cell, codes: Sequence[str]) -> str | None:
    key = _header_key(cell)
    for code in codes:
        low = code.casefold().replace("_", " ")
        if key == low or re.match(rf"^{re.escape(low)}(?:\s*[(,\[]|\s+-|\s*$)", key):
            return code
    return None


def _shape_of(row: list, codes: Sequence[str], region_names: set[str],
              year_names: set[str]) -> _Shape | None:
    keys = [_header_key(c) for c in row]
    region = next((i for i, k in enumerate(keys) if k in region_names), None)
    year = next((i for i, k in enumerate(keys) if k in year_names), None)
    found: dict[str, int] = {}
    twice: dict[str, list[int]] = {}
    for i, cell in enumerate(row):
        code = _header_code(cell, codes)
        if code is not None and i not in (region, year):
            if code in found:
                twice.setdefault(code, [found[code]]).append(i)
            else:
                found[code] = i
    if region is not None and year is not None and found:
        ignored = [str(row[i]) for i, k in enumerate(keys)
                   if k and i not in (region, year, *found.values())]
        shape = _Shape(0, "long", region, year, found, ignored=ignored)
        shape.twice = twice
        return shape
    years = {}
    for i, cell in enumerate(row):
        y = _year_of(cell)
        if y is not None and i != region and y not in years:
            years[y] = i
    others = [c for i, c in enumerate(row) if i not in years.values() and not _is_blank(c)]
    if any(isinstance(c, (int, float)) or _read_number(_as_text(c)) is not None for c in others):
        return None  # a row of data, not a header
    if years and region is None and others and _resolves(others[0]):
        return None  # a region's row whose values happen to look like years
    if len(years) >= 1 and year is None:
        first_year = min(years.values())
        if region is None:
            # the Bureau leaves the corner above the region names blank
            before = [i for i in range(first_year) if _year_of(row[i]) is None]
            if not before:
                return None
            region = before[0]
        ignored = [str(row[i]) for i, k in enumerate(keys)
                   if k and i != region and i not in years.values()]
        return _Shape(0, "wide", region, None, years, ignored=ignored)
    return None


def _find_shape(grid: _Grid, codes: Sequence[str], header: int | None, region_column: str,
                year_column: str) -> _Shape | None:
    region_names = _REGION_HEADERS | {_header_key(region_column)}
    year_names = _YEAR_HEADERS | {_header_key(year_column)}
    if header is not None:
        if header - 1 >= len(grid.rows):
            return None  # reported with the sheet's rows by _no_header_message
        rows = [(header - 1, grid.rows[header - 1])]
    else:
        rows = list(enumerate(grid.rows[:_HEADER_SEARCH_ROWS]))
    for number, row in rows:
        shape = _shape_of(row, codes, region_names, year_names)
        if shape is None:
            continue
        if shape.layout == "wide" and not _has_region_rows(grid, number, shape.region):
            continue
        shape.header = number
        return shape
    return None


def _resolves(cell) -> bool:
    return names_a_unit(_clean_name(_as_text(cell)))


def _has_region_rows(grid: _Grid, header: int, column: int) -> bool:
    return any(column < len(row) and _resolves(row[column])
               for row in grid.rows[header + 1:header + 40])


def _is_total(text: str) -> bool:
    return _header_key(text) in _TOTAL_ROWS or is_total_row(text)


def _year_layout(year: int, forced: str | None) -> str:
    """The layout a year's names are read on: the one given, else the year's own (the
    article's 16 units for years before the registry begins)."""
    if forced is not None:
        return forced
    try:
        return _layouts.layout_of(year)
    except _layouts.LayoutError:
        return ARTICLE_LAYOUT


def _no_header_message(grid: _Grid, codes: Sequence[str], region_column: str,
                       year_column: str, header: int | None) -> str:
    rows = grid.rows[header - 1:header] if header is not None else grid.rows[:_HEADER_SEARCH_ROWS]
    first = next((r for r in rows if any(_as_text(c).strip() for c in r)), [])
    found = [_as_text(c) for c in first if _as_text(c).strip()]
    if grid.sep is not None:
        line = " ".join(found)
        for other, name in _SEPARATORS.items():
            if other != grid.sep and line.count(other) >= 2:
                return (f"this looks like a {name}-separated file; read with sep={other!r} "
                        f"(read with sep={grid.sep!r}, its first row is one column: "
                        f"{line[:80]!r})")
    best, best_codes = None, []
    for number, row in enumerate(rows):
        hits = [c for c in (_header_code(cell, codes) for cell in row) if c]
        if len(hits) > len(best_codes):
            best, best_codes = number, hits
    if best is not None:
        row = rows[best]
        keys = {_header_key(c) for c in row}
        missing = []
        if not keys & (_REGION_HEADERS | {_header_key(region_column)}):
            missing.append(region_column)
        if not keys & (_YEAR_HEADERS | {_header_key(year_column)}):
            missing.append(year_column)
        number = best + 1 if header is None else header
        return (f"missing column(s) {missing}: row {number} holds the indicator column(s) "
                f"{', '.join(best_codes)} but its other headers are "
                f"{[_as_text(c) for c in row if _header_code(c, codes) is None and _as_text(c)]}; "
                f"name the columns {region_column!r} and {year_column!r} (or give "
                f"region_column= and year_column=)")
    where = f"row {header}" if header is not None else f"the first {_HEADER_SEARCH_ROWS} rows"
    if header is not None and header > len(grid.rows):
        where += f" (the table has {len(grid.rows)} rows)"
    return (f"no header found in {where}: a long table needs columns {region_column!r}, "
            f"{year_column!r} and one per indicator ({', '.join(codes)}); a wide table has "
            f"regions as rows and years as columns"
            + (f". The first row holds {found[:12]}" if found else ""))


# --- reading one grid -----------------------------------------------------------------------------

@dataclass
class _Cell:
    row: int
    column: int
    name: str
    text: str
    raw: object


@dataclass
class _Part:
    """One grid's values before the numbers are settled."""

    grid: _Grid
    shape: _Shape
    cells: dict = field(default_factory=dict)   # (region_id, year, code) -> _Cell
    rows: dict = field(default_factory=dict)    # (region_id, year) -> row (0-based)
    skipped: list = field(default_factory=list)
    units_row: int | None = None
    misfits: list = field(default_factory=list)  # rows naming a unit outside the year's layout
    names: list = field(default_factory=list)    # (row, name, year) of every region read
    taken: set = field(default_factory=set)      # names that also denote another territory


def _unit_in_year(part: _Part, row: int, column: int, header: str, text: str, year: int,
                  forced: str | None, value_given: bool = True) -> str | None:
    """The unit ``text`` names on the layout of ``year``; None for a unit outside that layout
    (recorded as a misfit when it has values), and a refusal for an unknown name."""
    layout = _year_layout(year, forced)
    try:
        unit = _layouts.resolve_region(text, year=year, layout=layout)
    except (_layouts.NotInLayoutError, PostReformRegionError) as err:
        if value_given:
            part.misfits.append((row, column, header, text, year, layout, str(err)))
        return None
    except UnknownRegionError as err:
        _fail(part.grid, f"value {text!r}: {err}", row, column, header)
    part.names.append((row, text, year))
    same = _layouts.units().loc[unit, "same_name_as"] if unit != NATIONAL else ""
    if same:
        part.taken.add((text, int(year), unit, same))
    return unit


def _is_blank(cell) -> bool:
    return _as_text(cell).strip() == ""


def _extent(row: list) -> int:
    """The number of fields up to the last one that is not empty."""
    n = len(row)
    while n and _is_blank(row[n - 1]):
        n -= 1
    return n


_DIGITS = re.compile(r"^[+-]?\d+$")


def _check_fields(grid: _Grid, shape: _Shape, row: list, number: int) -> None:
    """Refuse a text row with more or fewer fields than its header: read by position, every
    value after the odd field would land in the wrong column."""
    header = grid.rows[shape.header]
    named = _extent(header)
    where = f"the header (row {shape.header + 1}) has {named}"
    if _extent(row) > named:
        first = min(shape.columns.values(), default=0)
        split = next((i for i in range(first, len(row) - 1)
                      if _DIGITS.match(row[i].strip()) and row[i + 1].strip().isdigit()), None)
        if split is not None and grid.sep == ",":
            a, b = row[split].strip(), row[split + 1].strip()
            cause = (f"most likely an unquoted decimal comma ({a + ',' + b!r} read as {a!r} "
                     f"and {b!r})")
        else:
            cause = f"a value holds the separator {grid.sep!r}, or a value has no column"
        _fail(grid, f"has {_extent(row)} fields but {where}: {cause}, which would move every "
                    f"value after it one column to the right. Write decimals with a point, or "
                    f"quote such values (\"52,0\"), or save the file with ';' between fields "
                    f"and read it with sep=';', decimal=','", number)
    if len(row) < named:
        _fail(grid, f"has {len(row)} fields but {where}: a value is left out, and the values "
                    f"after it would fall under the wrong columns; mark a value that is not "
                    f"available with an empty field (two separators in a row) or '-'", number)


def _read_part(grid: _Grid, shape: _Shape, codes: Sequence[str], indicator: str | None,
               region_layout: str | None = None) -> _Part:
    part = _Part(grid, shape)
    header_row = grid.rows[shape.header]
    for code, columns in shape.twice.items():
        _fail(grid, f"indicator {code} has {len(columns)} columns "
                    f"({', '.join(_column_letter(c) for c in columns)}): which one holds it is "
                    f"not clear; keep one", shape.header)
    region_name_ = _as_text(header_row[shape.region]) or "region"
    if shape.layout == "long":
        value_columns = [(code, column, code) for code, column in shape.columns.items()]
    else:
        value_columns = [(year, column, _as_text(header_row[column]))
                         for year, column in shape.columns.items()]
    width = max([shape.region, shape.year or 0, *(c for _, c, _ in value_columns)]) + 1
    for number in range(shape.header + 1, len(grid.rows)):
        row = grid.rows[number]
        padded = list(row) + [""] * (width - len(row))
        region_cell = padded[shape.region] if shape.region < len(padded) else ""
        values = [padded[c] for _, c, _ in value_columns]
        has_values = any(not _is_blank(v) for v in values)
        numbers = [v for v in values if not _is_blank(v) and (
            isinstance(v, (int, float)) or _read_number(_as_text(v)) is not None)]
        if _is_blank(region_cell):
            if not has_values:
                continue
            if not numbers and part.units_row is None and not part.rows:
                part.units_row = number  # e.g. "тыс. тенге" under each column
                continue
            _fail(grid, f"row has values but no region name ({[_as_text(v) for v in values][:4]}"
                        f"...); every row needs a region", number, shape.region, region_name_)
        region_text = _as_text(region_cell)
        if _NOTE_START.match(region_text) and not has_values:
            part.skipped.append((number + 1, "note"))
            continue
        name = _clean_name(region_text)
        if _is_total(name):
            part.skipped.append((number + 1, "national total"))
            continue
        if not has_values and not names_a_unit(name):
            # a sub-heading ("в том числе:") or a units row; a region missing because of it is
            # reported with this row by the check that every year has all regions
            part.skipped.append((number + 1, f"no values, {region_text.strip()!r}"))
            continue
        if grid.sep is not None:
            _check_fields(grid, shape, row, number)
        if shape.layout == "long":
            year_cell = padded[shape.year] if shape.year < len(padded) else ""
            year = _year_of(year_cell)
            if year is None:
                _fail(grid, f"value {_as_text(year_cell)!r} is not a year: a year is a whole "
                            f"number from {YEAR_RANGE[0]} to {YEAR_RANGE[1]}", number, shape.year,
                      _as_text(header_row[shape.year]))
            region = _unit_in_year(part, number, shape.region, region_name_, name, year,
                                   region_layout)
            if region is None:
                continue
            keys = [(region, year, code) for code, _, _ in value_columns]
            row_keys = [(region, year)]
            cells = list(zip(keys, value_columns, values))
        else:
            # each year's column on that year's units: a unit that did not exist in a year
            # is passed over where its cell is empty
            cells = []
            for (year, column, header), value in zip(value_columns, values):
                region = _unit_in_year(part, number, shape.region, region_name_, name, year,
                                       region_layout, value_given=not _is_blank(value))
                if region is not None:
                    cells.append(((region, year, indicator), (year, column, header), value))
            row_keys = [(key[0], key[1]) for key, _, _ in cells]
        for row_key in row_keys:
            if row_key in part.rows:
                when = f" for {row_key[1]}" if shape.layout == "long" else ""
                _fail(grid, f"value {region_text!r}: region {row_key[0]!r} appears twice{when} (rows "
                            f"{part.rows[row_key] + 1} and {number + 1})", number, shape.region,
                      region_name_)
            part.rows[row_key] = number
        for key, (_, column, header), value in cells:
            part.cells[key] = _Cell(number, column, header, _as_text(value).strip(), value)
    if not part.rows and not part.misfits:
        _fail(grid, f"has a header on row {shape.header + 1} but no rows of regions under it: "
                    f"expected one row per region" + (" and year" if shape.layout == "long" else ""))
    return part


def _settle_numbers(parts: list[_Part], decimal: str | None,
                    thousands: str | None) -> tuple[dict, dict]:
    """Decide the file's decimal mark and read every cell; returns values and what was used."""
    for name, mark in (("decimal", decimal), ("thousands", thousands)):
        allowed = (".", ",") if name == "decimal" else (".", ",", " ", "")
        if mark is not None and mark not in allowed:
            raise IndicatorTableError(f"{name}={mark!r} is not supported; use one of "
                                      f"{', '.join(repr(a) for a in allowed)}")
    if decimal is not None and thousands is not None and decimal == thousands:
        raise IndicatorTableError(f"decimal and thousands cannot both be {decimal!r}")
    readings: dict = {}
    evidence: dict[str, tuple[_Part, _Cell]] = {}
    column_thousands: dict[tuple, set] = {}
    spaced = False
    for part in parts:
        for key, cell in part.cells.items():
            if isinstance(cell.raw, (int, float)) and not isinstance(cell.raw, bool):
                if isinstance(cell.raw, float) and math.isnan(cell.raw):
                    readings[key] = None
                else:
                    readings[key] = _Number(value=float(cell.raw))
                continue
            if isinstance(cell.raw, _ExcelFault):
                _fail(part.grid, f"value {str(cell.raw)!r} is {cell.raw.reason}",
                      cell.row, cell.column, cell.name)
            if cell.text in MISSING_MARKS:
                readings[key] = None
                continue
            number = _read_number(cell.text)
            if number is None:
                _not_a_number(part, cell)
            readings[key] = number
            spaced = spaced or any(ch in cell.text for ch in _SPACES)
            if number.decimal:
                evidence.setdefault(number.decimal, (part, cell))
            if number.thousands:
                column_thousands.setdefault((id(part), cell.column), set()).add(number.thousands)
    if decimal is None:
        if len(evidence) == 2:
            (p1, c1), (p2, c2) = evidence["."], evidence[","]
            raise IndicatorTableError(
                f"{p1.grid.where(c1.row, c1.column, c1.name)}: value {c1.text!r} has '.' as "
                f"decimal mark, but {p2.grid.where(c2.row, c2.column, c2.name)}: value "
                f"{c2.text!r} has ','; the file mixes two conventions: correct one, or give "
                f"decimal='.' or decimal=','")
        if evidence:
            decimal = next(iter(evidence))
            inferred = "inferred"
        elif thousands in (".", ","):
            decimal = "," if thousands == "." else "."
            inferred = "from thousands="
        else:
            inferred = "not needed"
    else:
        inferred = "given"
    values: dict = {}
    used_thousands = {" "} if spaced else set()
    for part in parts:
        for key, cell in part.cells.items():
            number = readings[key]
            if number is None:
                values[key] = np.nan
                continue
            if number.ambiguous is not None:
                mark = number.ambiguous
                column_marks = column_thousands.get((id(part), cell.column), set())
                if decimal == mark:
                    values[key] = number.as_decimal
                elif thousands == mark or (mark in column_marks and decimal != mark):
                    values[key] = number.as_thousands
                    used_thousands.add(mark)
                else:
                    _fail(part.grid,
                          f"value {cell.text!r} can be read two ways: {_show(number.as_thousands)} "
                          f"({mark!r} as thousands separator) or {_show(number.as_decimal)} "
                          f"({mark!r} as decimal mark); nothing else in the file settles it. "
                          f"Give thousands={mark!r} or decimal={mark!r}",
                          cell.row, cell.column, cell.name)
                continue
            if decimal is not None and number.decimal is not None and number.decimal != decimal:
                _fail(part.grid, f"value {cell.text!r} has {number.decimal!r} as decimal mark, but "
                                 f"the file's decimal mark is {decimal!r} ({inferred}); correct "
                                 f"the cell or give decimal={number.decimal!r}",
                      cell.row, cell.column, cell.name)
            if number.thousands is not None:
                used_thousands.add(number.thousands)
            values[key] = number.value
    if thousands is not None and thousands not in ("", " "):
        used_thousands.add(thousands)
    used = {"decimal": decimal, "decimal_source": inferred,
            "thousands": "".join(sorted(used_thousands)) or None}
    return values, used


def _not_a_number(part: _Part, cell: _Cell) -> None:
    text = cell.text.casefold().replace(" ", "")
    if text == "#n/a":
        _fail(part.grid, f"value {cell.text!r} can be read two ways: a value marked not available, "
                         f"or Excel's error of a failed lookup (VLOOKUP, MATCH) written into the "
                         f"file; correct the lookup, or write '-' or leave the cell empty where "
                         f"the value is not available", cell.row, cell.column, cell.name)
    if text.lstrip("+-") in ("inf", "infinity", "∞", "#div/0!", "nan"):
        allowed = "a finite number"
        _fail(part.grid, f"value {cell.text!r} is not a finite number; allowed: {allowed}, or "
                         f"'-', '…', 'х' or an empty cell where the value is not available",
              cell.row, cell.column, cell.name)
    _fail(part.grid, f"value {cell.text!r} is not a number; allowed: a number such as 1234.5, "
                     f"1 234,5 or 1,234.5, or '-', '…', 'х' or an empty cell where the value is "
                     f"not available", cell.row, cell.column, cell.name)


# --- the public reader ------------------------------------------------------------------------

def _label(stream) -> Path:
    """What a message calls an open file: its name, or what it is."""
    name = getattr(stream, "name", None)
    return Path(name) if isinstance(name, str) and name else Path(f"<{type(stream).__name__}>")


def _read_stream(stream, sep, encoding, sheet) -> list[list[_Grid]]:
    """An open file (or ``io.BytesIO``/``io.StringIO``) read as the file it holds."""
    label = _label(stream)
    try:
        content = stream.read()
    except (OSError, ValueError, io.UnsupportedOperation) as err:
        _fail(label, f"cannot be read ({err}); give an open file in read mode, or its path")
    suffix = label.suffix.lower()
    if isinstance(content, str):
        if suffix in _EXCEL_SUFFIXES:
            _fail(label, "is a workbook opened as text; open it with open(path, 'rb')")
        if encoding is not None:
            _fail(label, "encoding= applies to bytes; this file was opened as text (give the "
                         "encoding to open(), or pass the path)")
        if sheet is not None:
            _fail(label, "sheet= applies to workbooks only; a text file has one table")
        if not content.strip():
            _fail(label, "is empty: expected a header row and one row per region and year")
        used = getattr(stream, "encoding", None) or "text"
        return [_text_grids(label, content.encode("utf-8"), sep, "utf-8", shown=used)]
    if not isinstance(content, bytes):
        raise TypeError(f"path: an open file must return text or bytes from read(), got "
                        f"{type(content).__name__}")
    if not content:
        _fail(label, "is empty (0 bytes): expected a header row and one row per region and year")
    if suffix not in _TEXT_SUFFIXES + _EXCEL_SUFFIXES:
        suffix = (".xlsx" if content.startswith(b"PK\x03\x04")
                  else ".xls" if content.startswith(b"\xd0\xcf\x11\xe0") else ".csv")
    return _grids_from_bytes(label, content, suffix, sep, encoding, sheet)


def _grids_from_bytes(path: Path, data: bytes, suffix: str, sep, encoding,
                      sheet) -> list[list[_Grid]]:
    if suffix in _EXCEL_SUFFIXES:
        if sep is not None or encoding is not None:
            _fail(path, "sep= and encoding= apply to text files only; a workbook has neither")
        return [[g] for g in _excel_grids(path, data, suffix, sheet)]
    if sheet is not None:
        _fail(path, "sheet= applies to workbooks only; a text file has one table")
    return [_text_grids(path, data, sep, encoding)]


def _grids_of(path, sep, encoding, sheet) -> list[list[_Grid]]:
    """For each sheet, the candidate parses (one per separator for text files)."""
    if not isinstance(path, Path):
        return _read_stream(path, sep, encoding, sheet)
    if not path.exists():
        raise FileNotFoundError(f"indicator table {path} does not exist")
    if path.is_dir():
        _fail(path, "is a folder, not a table; give the path of a .csv, .xlsx or .xls file (or "
                    "a list of files, one per indicator)")
    suffix = path.suffix.lower()
    if suffix not in _TEXT_SUFFIXES + _EXCEL_SUFFIXES:
        _fail(path, f"unsupported file type {path.suffix!r}; use .csv (or .tsv, .txt), .xlsx, "
                    f".xls or .ods")
    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except OSError as err:
        _fail(path, f"cannot be opened ({err.strerror or err}); check its permissions")
    if size == 0:
        _fail(path, "is empty (0 bytes): expected a header row and one row per region and year")
    return _grids_from_bytes(path, path.read_bytes(), suffix, sep, encoding, sheet)


@checked
def read_indicators(path: str | os.PathLike | io.IOBase | Sequence[str | os.PathLike | io.IOBase],
                    metadata: pd.DataFrame | None = None, region_column: str = "region",
                    year_column: str = "year", *, sep: str | None = None,
                    decimal: str | None = None, thousands: str | None = None,
                    encoding: str | None = None, header: int | None = None,
                    sheet: str | int | None = None, indicator: str | None = None,
                    layout: str | None = None) -> pd.DataFrame:
    """Read and validate a user's raw indicator table (CSV or Excel, long or wide).

    Parameters
    ----------
    path : path, open file, or list of them
        A ``.csv`` (``.tsv``, ``.txt``), ``.xlsx``, ``.xls`` or ``.ods`` file, given by its path
        or open (``open(path, "rb")``, ``io.BytesIO``, ``io.StringIO``: the kind of an unnamed
        stream is read from its first bytes); a list of files for the wide layout with one
        indicator per file.  Bytes are refused: they can be a file's content or a file name.
    metadata : DataFrame, optional
        The index tree (default :func:`~itclusters.indices.default_metadata`); its indicator
        codes are the columns (long layout) or the sheets/files (wide layout) looked for.
    region_column, year_column : str
        Header of the region and year columns; the usual English, Russian and Kazakh headers
        ("Регион", "Область", "Год", "Жыл" ...) are recognised as well.
    sep, decimal, thousands, encoding
        The text file's separator, decimal mark (``"."`` or ``","``), thousands separator and
        encoding; inferred when not given.
    header : int, optional
        The header's row number as a spreadsheet shows it (1 = first row); found when not given.
    sheet : str or int, optional
        Read only this sheet of a workbook, hidden or not.  By default every visible sheet that
        holds a table is read, as parts of one table (a sheet per year or per indicator); two
        sheets holding the same cell (a revised copy beside its original) are refused, listing
        what each sheet holds.  Hidden sheets are never read unless named.
    indicator : str, optional
        The indicator code of a wide table whose sheet name, file name and title do not say it.
    layout : {"kz16", "kz17", "kz20"}, optional
        Read every year's names on this layout of regions.  By default each year is read on its
        own layout (``data/layouts/layouts.csv``: the 16 units to 2017, 17 in 2018-2021, 20 from
        2022), so "East Kazakhstan" of 2023 is ``east_kazakhstan_2022``, East Kazakhstan without
        Abai; such readings are listed in ``.attrs["names_taken"]`` and in the summary.

    Returns
    -------
    DataFrame
        Indexed by ``(region_id, year)``, one float column per indicator; a value marked as not
        available (``-``, ``…``, ``х``, an empty cell) is missing, never zero.  ``.attrs`` holds
        ``source``, ``layout``, ``sheet``, ``header_row``, ``units_row``, ``separator``,
        ``decimal``, ``thousands``, ``encoding``, ``skipped_rows``, ``missing_cells``,
        ``row_numbers``, ``region_layout`` (the layout of regions, or ``{year: layout}`` when the
        years differ), ``names_taken``, ``sheets`` (for a workbook, every sheet and what was done
        with it: read, no table, hidden) and the one-line ``summary``.

    Raises
    ------
    IndicatorTableError
        With file, sheet, row (as a spreadsheet shows it), column, value and what is allowed;
        also a year whose rows name units of several layouts (South Kazakhstan with Shymkent,
        Abai in 2019), naming the rows; a text row with more or fewer fields than its header
        (an unquoted decimal comma, a value left out); an Excel error value (``#REF!``,
        ``#N/A``) or, in ``.xlsx``, a formula saved without its computed value.
    TypeError
        When ``path`` is not a path, an open file or a list of them.
    FileNotFoundError
        When the file does not exist.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> rows = ["Регион;Год;J_A;J_B;J_C;J_D;J_E;J_F"]
    >>> rows += [f"{region_name(r, 'ru')};2016;1 2{i:02d},5;2;3;4;{'-' if i else '0,5'};6"
    ...          for i, r in enumerate(REGION_IDS)]
    >>> _ = (folder / "ru.csv").write_bytes("\\n".join(rows).encode("cp1251"))
    >>> table = read_indicators(folder / "ru.csv")
    >>> float(table.loc[("akmola", 2016), "J_A"]), int(table["J_E"].isna().sum())
    (1200.5, 15)
    >>> print(table.attrs["summary"].split(": ", 1)[1])
    long layout, header on row 1, separator ';', decimal ',', thousands ' ', encoding cp1251; 16 regions x 1 year (2016), 6 indicators, 15 cells not available
    """
    from .indices import default_metadata, indicator_codes

    meta = default_metadata() if metadata is None else metadata
    codes = indicator_codes(meta)
    if header is not None and (isinstance(header, bool) or not isinstance(header, int)
                               or header < 1):
        raise IndicatorTableError(f"header={header!r} must be a row number as a spreadsheet "
                                  f"shows it (1 = the first row)")
    if indicator is not None and indicator not in codes:
        raise IndicatorTableError(f"indicator={indicator!r} is not one of {', '.join(codes)}")
    if layout is not None and layout not in _layouts.LAYOUTS:
        raise IndicatorTableError(f"layout={layout!r} is not a layout of regions; allowed: "
                                  f"{', '.join(map(repr, _layouts.LAYOUTS))} or None (each "
                                  f"year on its own layout)")
    sources = _sources(path)
    paths = [one if isinstance(one, Path) else _label(one) for one in sources]

    parts: list[_Part] = []
    sheet_notes: list[str] = []
    for one, label in zip(sources, paths):
        found, notes = [], {}
        for candidates in _grids_of(one, sep, encoding, sheet):
            first = candidates[0]
            if first.hidden and sheet is None:
                notes[first.sheet] = "hidden, not read (name it with sheet= to read it)"
                continue
            shape = None
            for grid in candidates:
                shape = _find_shape(grid, codes, header, region_column, year_column)
                if shape is not None:
                    break
            if shape is None:
                if first.excel and sheet is None:
                    found.append((first, None))
                    notes[first.sheet] = "no table"
                    continue
                best = max(candidates, key=lambda g: max((len(r) for r in g.rows[:5]), default=0))
                _fail(best, _no_header_message(best, codes, region_column, year_column, header))
            found.append((grid, shape))
        usable = [(g, s) for g, s in found if s is not None]
        if not usable:
            if not found:
                _fail(label, f"every sheet is hidden ({', '.join(map(repr, notes))}); a hidden "
                             f"sheet is read only when named: give sheet=")
            grid = found[0][0]
            sheets = [g.sheet for g, _ in found]
            _fail(label, f"no sheet holds a table: {_no_header_message(grid, codes, region_column, year_column, header)}"
                         f" (sheets looked at: {sheets})")
        read = []
        for grid, shape in usable:
            code = indicator
            if shape.layout == "wide" and code is None:
                title = " ".join(_as_text(c) for r in grid.rows[:shape.header] for c in r)
                for source in (grid.sheet or "", title, label.stem):
                    hits = _code_in(source, codes)
                    if len(hits) > 1:
                        _fail(grid, f"names several indicators ({', '.join(hits)}) in "
                                    f"{source!r}: a wide table holds one indicator; give "
                                    f"indicator=")
                    if hits:
                        code = hits[0]
                        break
                if code is None:
                    _fail(grid, f"regions as rows and years as columns (wide layout, header on "
                                f"row {shape.header + 1}), but the sheet name, the title rows and "
                                f"the file name name no indicator ({', '.join(codes)}); rename "
                                f"the sheet or file after its indicator, or give indicator=")
            read.append(_read_part(grid, shape, codes, code, layout))
        if usable[0][0].excel:
            _refuse_overlapping_sheets(label, read, notes, codes)
            for part in read:
                notes[part.grid.sheet] = f"read ({_holds(part, codes)})"
            order = [g.sheet for g, _ in found] + [n for n in notes if n not in
                                                   {g.sheet for g, _ in found}]
            shown = [f"{n!r}: {notes[n]}" for n in dict.fromkeys(order)]
            sheet_notes.append((f"{label.name} " if len(sources) > 1 else "") + "; ".join(shown))
        parts.extend(read)

    _refuse_mixed_layouts(parts, paths, layout)
    values, used = _settle_numbers(parts, decimal, thousands)
    return _assemble(parts, values, used, codes, meta, paths, layout, sheet_notes)


def _sources(path) -> list:
    """The files to read: paths, or open files (anything with ``read()``)."""
    if isinstance(path, (bytes, bytearray)):
        raise TypeError("path: bytes can be read two ways: as the content of a file (wrap it: "
                        "io.BytesIO(data)) or as a file name in the file system's encoding "
                        "(give os.fsdecode(data)); give one of those")
    if isinstance(path, (str, os.PathLike)):
        return [Path(path)]
    if hasattr(path, "read"):
        return [path]
    if isinstance(path, Iterable) and not isinstance(path, (dict, pd.DataFrame, pd.Series)):
        items = list(path)
        if not items:
            raise IndicatorTableError("path: an empty list of files was given")
        for item in items:
            if not isinstance(item, (str, os.PathLike)) and not hasattr(item, "read"):
                raise TypeError(f"path: each item of the list must be a file path or an open "
                                f"file, got {type(item).__name__} {_short(item)}")
        return [Path(p) if isinstance(p, (str, os.PathLike)) else p for p in items]
    raise TypeError(f"path must be a file path, an open file, or a list of them (one file per "
                    f"indicator), got {type(path).__name__} {_short(path)}")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _holds(part: _Part, codes: Sequence[str]) -> str:
    """What one sheet holds, in a few words: "long table, 16 regions x 2015, 2017, J_A–J_F"."""
    regions = {k[0] for k in part.cells}
    years = sorted({k[1] for k in part.cells})
    ordered = sorted(codes)
    found = [c for c in ordered if any(k[2] == c for k in part.cells)]
    if not found:  # every row names a unit outside its year's layout (refused later)
        return f"{part.shape.layout} table, no unit of its years' layouts"
    contiguous = found == ordered[ordered.index(found[0]):ordered.index(found[-1]) + 1]
    shown = f"{found[0]}–{found[-1]}" if len(found) > 2 and contiguous else ", ".join(found)
    span = f"{len(regions)} regions x {', '.join(map(str, years))}"
    if part.shape.layout == "long":
        return f"long table, {span}, {shown}"
    return f"wide table of {shown}, {span}"


def _refuse_overlapping_sheets(label: Path, parts: list[_Part], notes: dict,
                               codes: Sequence[str]) -> None:
    """Sheets are parts of one table (a sheet per year or per indicator) only when no cell is in
    two of them; a revised copy beside its original, or a wide sheet repeating a long one, is
    refused, listing what each sheet holds."""
    seen: dict = {}
    for part in parts:
        for key in part.cells:
            other = seen.setdefault(key, part)
            if other is not part:
                listing = [f"{p.grid.sheet!r}: {_holds(p, codes)}" for p in parts]
                listing += [f"{n!r}: {why}" for n, why in notes.items()]
                _fail(label, f"sheets {other.grid.sheet!r} and {part.grid.sheet!r} both hold "
                             f"{key[2]} of {_layouts.unit_name(key[0])} in {key[1]}; which one to read is not "
                             f"clear. The sheets: {'; '.join(listing)}. Give sheet= to read "
                             f"one")


def _fits(name: str, year: int, layout: str) -> bool:
    try:
        return _layouts.resolve_region(name, year=year, layout=layout) is not None
    except (UnknownRegionError, ValueError):
        return False


def _refuse_mixed_layouts(parts: list[_Part], paths: list[Path], forced: str | None) -> None:
    """Refuse a year whose rows name units outside its layout, naming those rows."""
    misfits = [(p, m) for p in parts for m in p.misfits]
    if not misfits:
        return
    year = min(m[4] for _, m in misfits)
    rows = [(p, m) for p, m in misfits if m[4] == year]
    layout = rows[0][1][5]
    shown = [f"{p.grid.where(m[0], m[1], m[2])}: value {m[3]!r}: {m[6]}" for p, m in rows[:4]]
    more = f" (and {len(rows) - 4} more rows)" if len(rows) > 4 else ""
    names = [n for p in parts for _, n, y in p.names if y == year] + [m[3] for _, m in rows]
    fitting = [lay for lay in _layouts.LAYOUTS if lay != layout
               and all(_fits(n, year, lay) for n in names)]
    how = "given with layout=" if forced else "the year's own"
    if fitting:
        advice = (f"Every name of {year} is a unit of {_layouts.layout_name(fitting[0])}: give "
                  f"layout={fitting[0]!r} if the file is on those units (to compare it with other "
                  f"years, harmonise levels with itclusters.harmonise, never ratios)")
    else:
        advice = (f"No one layout holds every name of {year}: keep the units of one layout per "
                  f"year, the year's own ({layout}) or one given with layout=; to compare "
                  f"layouts, harmonise levels with itclusters.harmonise, never ratios")
    raise IndicatorTableError(
        f"{', '.join(map(str, paths))}: year {year} mixes layouts of regions: it is read on "
        f"{_layouts.layout_name(layout)} ({layout}, {how}), and {len(rows)} row(s) name units "
        f"outside it: {'; '.join(shown)}{more}. {advice}")


def _assemble(parts: list[_Part], values: dict, used: dict, codes: list[str],
              meta: pd.DataFrame, paths: list[Path], forced: str | None = None,
              sheet_notes: Sequence[str] = ()) -> pd.DataFrame:
    origin: dict = {}
    for part in parts:
        for key, cell in part.cells.items():
            if key in origin:
                other = origin[key]
                _fail(part.grid, f"{key[2]} for {key[0]} in {key[1]} is given twice: here and in "
                                 f"{other[0].where(other[1].row, other[1].column, other[1].name)}",
                      cell.row, cell.column, cell.name)
            origin[key] = (part.grid, cell)
    present = {key[2] for key in origin}
    missing = [c for c in codes if c not in present]
    if missing:
        found = ", ".join(sorted(present, key=codes.index)) or "none"
        raise IndicatorTableError(
            f"{', '.join(map(str, paths))}: missing column(s) {missing}; indicators found: "
            f"{found}. A long table needs one column per indicator ({', '.join(codes)}); in the "
            f"wide layout give one sheet or file per indicator")
    index = pd.MultiIndex.from_tuples(sorted({(k[0], k[1]) for k in origin}),
                                      names=["region_id", "year"])
    frame = pd.DataFrame(index=index, columns=codes, dtype=float)
    for (region, year, code), value in values.items():
        frame.loc[(region, year), code] = value
    rows: dict = {}
    for part in parts:
        for key, number in part.rows.items():
            rows.setdefault(key, (part, number))

    def where_row(key, code=None):
        part, number = rows[key]
        cell = part.cells.get((*key, code)) if code else None
        if cell is not None:
            return part.grid.where(cell.row, cell.column, cell.name)
        return part.grid.where(number)

    for key in frame.index:
        for code in codes:
            if (*key, code) not in origin:
                raise IndicatorTableError(
                    f"{where_row(key)}: {key[0]} {key[1]} has no {code}: every indicator needs a "
                    f"row for every region and year (mark a value that is not available with "
                    f"'-' or leave the cell empty)")
    for code in codes:
        column = frame[code]
        bad = column[~np.isfinite(column) & column.notna()]
        if len(bad):
            key = bad.index[0]
            raise IndicatorTableError(f"{where_row(key, code)}: value {bad.iloc[0]!r} is not a "
                                      f"finite number")
    nonnegative = _nonnegative(meta)
    for code in codes:
        negative = frame[code] < 0
        if code in nonnegative and negative.any():
            key = frame.index[negative.to_numpy()][0]
            cell = origin[(*key, code)][1]
            raise IndicatorTableError(f"{where_row(key, code)}: value {cell.text or frame.loc[key, code]!r}"
                                      f" is negative; {code} cannot be negative")
    first = parts[0]
    region_header = _as_text(first.grid.rows[first.shape.header][first.shape.region]) or "region"
    skipped = [f"{p.grid.where(r - 1)} ({why})" for p in parts for r, why in p.skipped
               if why.startswith("no values")]
    skipped_note = (f"; rows skipped because they name no known region: {'; '.join(skipped)}"
                    if skipped else "")
    year_layouts = {int(y): _year_layout(int(y), forced)
                    for y in sorted(set(frame.index.get_level_values("year")))}
    for year, block in frame.groupby(level="year"):
        have = set(block.index.get_level_values("region_id"))
        layout = year_layouts[int(year)]
        absent = [r for r in _layouts.layout_units(layout) if r not in have]
        if absent:
            raise IndicatorTableError(
                f"{', '.join(map(str, paths))}, column {region_header!r}: year {year} lacks "
                f"region(s) {', '.join(absent)}; every year needs all "
                f"{len(_layouts.layout_units(layout))} units of its layout, "
                f"{_layouts.layout_name(layout)} (normalisation compares them)" + skipped_note)
        for code in codes:
            if block[code].isna().all():
                raise IndicatorTableError(
                    f"{', '.join(map(str, paths))}, column {code!r}: no value at all in {year} "
                    f"(every cell is empty or marked not available); fill in the indicator, or "
                    f"leave the year out")
            if _method_of(meta, code) == "leader" and not block[code].max() > 0:
                leader = block[code].max()
                shown = repr(float(leader))
                raise IndicatorTableError(
                    f"{', '.join(map(str, paths))}, column {code!r}: in {year} the leading value is "
                    f"{shown}: normalisation to the leader (formula 1) divides by it, so the "
                    f"leader must be positive")
    frame = frame.sort_index()
    missing_cells = [(region, int(year), code) for (region, year), row in frame.iterrows()
                     for code in codes if pd.isna(row[code])]
    grids = [p.grid for p in parts]
    layouts = sorted({p.shape.layout for p in parts})
    years = sorted(set(frame.index.get_level_values("year")))
    attrs = {
        "source": ", ".join(map(str, paths)),
        "layout": layouts[0] if len(layouts) == 1 else "+".join(layouts),
        "sheet": _one_or_all([g.sheet for g in grids]),
        "header_row": _one_or_all([p.shape.header + 1 for p in parts]),
        "units_row": next((p.units_row + 1 for p in parts if p.units_row is not None), None),
        "separator": grids[0].sep,
        "decimal": used["decimal"],
        "thousands": used["thousands"],
        "encoding": grids[0].encoding,
        "skipped_rows": [(str(p.grid.where(r - 1)), why) for p in parts for r, why in p.skipped],
        "ignored_columns": sorted({c for p in parts for c in p.shape.ignored}),
        "missing_cells": missing_cells,
        "row_numbers": {key: where_row(key) for key in frame.index},
        "region_layout": (next(iter(year_layouts.values()))
                          if len(set(year_layouts.values())) == 1 else year_layouts),
        "names_taken": _names_taken(parts),
        "sheets": list(sheet_notes),
    }
    frame.attrs.update(attrs)
    frame.attrs["summary"] = _summary(frame, paths, parts, codes)
    return frame


def _names_taken(parts: list[_Part]) -> list[str]:
    """Names that also denote another territory, with the unit each was read as."""
    table = _layouts.units()
    out = []
    for text, year, unit, other in sorted({t for p in parts for t in p.taken}):
        last = table.loc[other, "last_year"]
        out.append(f"{text!r} in {year} read as {unit} ({table.loc[unit, 'note']}), not {other} "
                   f"(that name's territory to {last}); give layout= to read it on another "
                   f"layout")
    return out


def _one_or_all(items: list):
    """One value when every part agrees, else the list (one per sheet or file)."""
    return items[0] if len(set(items)) == 1 else items


def _summary(frame: pd.DataFrame, paths: list[Path], parts: list[_Part], codes) -> str:
    a = frame.attrs
    bits = [f"{a['layout']} layout"]
    if a["sheet"] is not None:
        sheets = a["sheet"] if isinstance(a["sheet"], list) else [a["sheet"]]
        bits.append(f"sheet{'s' if len(sheets) > 1 else ''} {', '.join(map(repr, sheets))}")
    header = a["header_row"]
    bits.append(f"header on row {header}" if not isinstance(header, list) else
                f"header on rows {', '.join(map(str, header))}")
    if a["units_row"] is not None:
        bits.append(f"units on row {a['units_row']}")
    if a["separator"] is not None:
        bits.append(f"separator {a['separator']!r}")
    bits.append(f"decimal {a['decimal']!r}" if a["decimal"] else "decimal: none needed")
    if a["thousands"]:
        bits.append(f"thousands {a['thousands']!r}")
    if a["encoding"] is not None:
        bits.append(f"encoding {a['encoding']}")
    years = sorted(set(frame.index.get_level_values("year")))
    regions = frame.index.get_level_values("region_id").nunique()
    counts = (f"{regions} regions x {len(years)} year{'s' if len(years) > 1 else ''} "
              f"({', '.join(map(str, years))}), {len(codes)} indicator{'s' if len(codes) > 1 else ''}, "
              f"{len(a['missing_cells'])} cell{'s' if len(a['missing_cells']) != 1 else ''} "
              f"not available")
    if a["skipped_rows"]:
        counts += f", {len(a['skipped_rows'])} row(s) skipped (totals, notes)"
    if a["ignored_columns"]:
        counts += f", column(s) not used: {', '.join(map(repr, a['ignored_columns']))}"
    layouts = a["region_layout"]
    if layouts != ARTICLE_LAYOUT:
        counts += ("; regions on " + (_layouts.layout_name(layouts) if isinstance(layouts, str)
                   else ", ".join(f"{y}: {lay}" for y, lay in layouts.items())))
    if a["names_taken"]:
        shown = [f"{text!r} in {year} read as {unit}"
                 for text, year, unit, _ in sorted({t for p in parts for t in p.taken})]
        counts += f"; names of two territories: {'; '.join(shown)} (see attrs['names_taken'])"
    if a["sheets"]:
        counts += "; sheets: " + "; ".join(a["sheets"])
    name = ", ".join(p.name for p in paths)
    return f"read {name}: {', '.join(bits)}; {counts}"


def _nonnegative(meta: pd.DataFrame) -> set[str]:
    if "nonnegative" not in meta.columns:
        return set()
    return set(meta.index[meta["nonnegative"].fillna(False).astype(bool)])


def _method_of(meta: pd.DataFrame, code: str) -> str:
    if "normalisation" in meta.columns and isinstance(meta.loc[code, "normalisation"], str):
        return meta.loc[code, "normalisation"]
    return "leader"


# --- the template -------------------------------------------------------------------------------

@checked
def indicator_template(path: str | os.PathLike = "indicators_template.xlsx", years: Sequence[int] = (2010, 2016),
                       metadata: pd.DataFrame | None = None, lang: str = "en") -> Path:
    """Write an empty indicator table of the expected shape (``.csv`` or ``.xlsx``).

    Written to ``path`` (default ``indicators_template.xlsx`` in the working folder).
    Long layout: columns ``region``, ``year`` and one per indicator code, one row per unit of
    each year's layout of regions (20 units for 2023, 16 for 2016) and year, values empty (read back as "not available").  A workbook gets a second sheet,
    ``indicators``, describing each code (name, unit, may it be negative).  Refuses to
    overwrite an existing file.

    >>> import tempfile
    >>> from pathlib import Path
    >>> out = indicator_template(Path(tempfile.mkdtemp()) / "mine.csv", years=[2016])
    >>> out.read_text(encoding="utf-8").splitlines()[:2]
    ['region,year,J_D,J_E,J_F,J_A,J_B,J_C', 'Akmola,2016,,,,,,']
    """
    from .indices import default_metadata, indicator_codes

    meta = default_metadata() if metadata is None else metadata
    codes = indicator_codes(meta)
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise ValueError(f"{path}: a template is written as .csv or .xlsx, not {path.suffix!r}")
    if path.exists():
        raise FileExistsError(f"{path} exists; the template never overwrites a file")
    bad = [y for y in years if _year_of(y) is None or not isinstance(y, (int, np.integer))]
    if bad or not years:
        raise ValueError(f"years must be whole numbers from {YEAR_RANGE[0]} to {YEAR_RANGE[1]}, "
                         f"got {list(years)}")
    if lang not in ("en", "kk", "ru"):
        raise ValueError(f"lang must be 'en', 'kk' or 'ru', got {lang!r}")
    rows = [{"region": _layouts.unit_name(r, lang), "year": int(y), **{c: None for c in codes}}
            for y in years for r in _layouts.layout_units(_year_layout(int(y), None))]
    table = pd.DataFrame(rows)
    if path.suffix.lower() == ".csv":
        path.write_text(table.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
        return path
    about = meta.loc[codes, ["name"]].copy()
    about["unit"] = "your unit (the index does not depend on it)"
    about["may be negative"] = ["no" if c in _nonnegative(meta) else "yes" for c in codes]
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name="data", index=False)
        about.rename_axis("code").to_excel(writer, sheet_name="indicators")
    return path
