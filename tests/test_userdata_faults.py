"""Files as people save them: no cell read out of place, no sheet dropped or read unseen.

The fixtures in tests/data/faults/ are written by tests/data/make_fixtures.py (``write_faults``)
from the same synthetic panel as clean_long.csv.
"""
import io
from pathlib import Path

import pandas as pd
import pytest

from itclusters import REGION_IDS, IndicatorTableError, read_indicators

DATA = Path(__file__).resolve().parent / "data"
FAULTS = DATA / "faults"


@pytest.fixture(scope="module")
def clean():
    return read_indicators(DATA / "clean_long.csv")


# --- rows with more or fewer fields than the header ------------------------------------------

def test_an_unquoted_decimal_comma_is_refused_naming_the_row_cause_and_fix():
    with pytest.raises(IndicatorTableError) as err:
        read_indicators(FAULTS / "decimal_comma_unquoted.csv")
    message = str(err.value)
    assert "decimal_comma_unquoted.csv, row 9" in message
    assert "9 fields" in message and "header (row 1) has 8" in message
    assert "decimal comma" in message and "'52,0'" in message
    assert "sep=';'" in message and "decimal=','" in message and "quot" in message


def test_a_row_one_field_short_is_refused_naming_the_row():
    with pytest.raises(IndicatorTableError) as err:
        read_indicators(FAULTS / "field_missing.csv")
    message = str(err.value)
    assert "field_missing.csv, row 4" in message
    assert "7 fields" in message and "header (row 1) has 8" in message
    assert "empty field" in message


def test_trailing_empty_fields_are_not_a_ragged_row(tmp_path, clean):
    # spreadsheets often write a separator after the last column
    lines = (DATA / "clean_long.csv").read_text(encoding="utf-8").splitlines()
    ragged = [lines[0]] + [line + ",," if i % 2 else line for i, line in enumerate(lines[1:])]
    path = tmp_path / "trailing.csv"
    path.write_text("\n".join(ragged) + "\n", encoding="utf-8")
    pd.testing.assert_frame_equal(read_indicators(path), clean)


def test_a_csv_na_error_is_refused_naming_both_readings():
    with pytest.raises(IndicatorTableError) as err:
        read_indicators(FAULTS / "na_error_text.csv")
    message = str(err.value)
    assert "row 4" in message and "'J_C'" in message and "'#N/A'" in message
    assert "not available" in message and "lookup" in message


# --- every sheet accounted for -----------------------------------------------------------------

def test_a_hidden_stale_sheet_is_not_read(clean):
    table = read_indicators(FAULTS / "hidden_stale_sheet.xlsx")
    pd.testing.assert_frame_equal(table, clean)
    assert table.attrs["sheet"] == "data"
    summary = table.attrs["summary"]
    assert "'old': hidden, not read" in summary and "'data': read" in summary


def test_a_hidden_sheet_named_with_sheet_is_read(clean):
    table = read_indicators(FAULTS / "hidden_stale_sheet.xlsx", sheet="old")
    # the stale sheet holds the panel's rows in reverse: Akmola 2015 has the last row's values
    last = (REGION_IDS[-1], 2017)
    assert table.loc[("akmola", 2015), "J_A"] == clean.loc[last, "J_A"]
    assert table.loc[("akmola", 2015), "J_A"] != clean.loc[("akmola", 2015), "J_A"]


def test_two_yearly_sheets_are_read_as_two_years(clean):
    table = read_indicators(FAULTS / "yearly_sheets.xlsx")
    pd.testing.assert_frame_equal(table, clean)
    assert table.attrs["sheet"] == ["2015", "2017"]
    assert "'2015': read" in table.attrs["summary"] and "'2017': read" in table.attrs["summary"]


@pytest.mark.parametrize("name, sheets", [
    ("revised_copy.xlsx", ["'data': long table, 16 regions x 2015, 2017, J_A–J_F",
                           "'data (2)': long table, 16 regions x 2015, 2017, J_A–J_F"]),
    ("wide_beside_long.xlsx", ["'data': long table, 16 regions x 2015, 2017, J_A–J_F",
                               "'J_A': wide table of J_A, 16 regions x 2015, 2017"]),
])
def test_sheets_that_hold_the_same_cells_are_refused_listing_them(name, sheets):
    with pytest.raises(IndicatorTableError) as err:
        read_indicators(FAULTS / name)
    message = str(err.value)
    for sheet in sheets:
        assert sheet in message
    assert "sheet=" in message


def test_one_of_two_copies_is_read_when_named(clean):
    table = read_indicators(FAULTS / "revised_copy.xlsx", sheet="data")
    pd.testing.assert_frame_equal(table, clean)


# --- Excel's error values and formulas without values -------------------------------------------

def test_excel_error_cells_are_refused_naming_sheet_row_and_column():
    with pytest.raises(IndicatorTableError) as err:
        read_indicators(FAULTS / "excel_errors.xlsx")
    message = str(err.value)
    assert "sheet 'data', row 2, column 'J_C' (E)" in message and "#REF!" in message


def test_an_excel_na_error_is_refused_too(tmp_path):
    import openpyxl
    book = openpyxl.load_workbook(FAULTS / "excel_errors.xlsx")
    book["data"]["E2"] = 1.5  # only the #N/A left
    book.save(tmp_path / "na.xlsx")
    with pytest.raises(IndicatorTableError) as err:
        read_indicators(tmp_path / "na.xlsx")
    message = str(err.value)
    assert "sheet 'data', row 7, column 'J_D' (F)" in message and "#N/A" in message
    assert "lookup" in message


def test_formulas_without_computed_values_are_refused():
    with pytest.raises(IndicatorTableError) as err:
        read_indicators(FAULTS / "formulas_without_values.xlsx")
    message = str(err.value)
    assert "sheet 'data', row 2, column 'J_F' (H)" in message
    assert "'=G2/100'" in message and "computed value" in message


def test_formulas_with_computed_values_are_read(tmp_path, clean):
    """A workbook saved by a spreadsheet keeps each formula's value: that value is read."""
    import zipfile
    source = FAULTS / "formulas_without_values.xlsx"
    target = tmp_path / "computed.xlsx"
    values = [clean.loc[(rid, year), "J_F"] for rid in REGION_IDS for year in (2015, 2017)]
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                text = data.decode()
                for number, value in enumerate(values, start=2):
                    cached = "" if pd.isna(value) else f"<v>{value}</v>"
                    text = text.replace(f"<f>G{number}/100</f><v />", f"<f>G{number}/100</f>{cached}")
                    text = text.replace(f"<f>G{number}/100</f></c>", f"<f>G{number}/100</f>{cached}</c>")
                data = text.encode()
            zout.writestr(item, data)
    pd.testing.assert_frame_equal(read_indicators(target), clean)


# --- a file already open ----------------------------------------------------------------------

def test_a_file_like_object_is_read_as_the_file(clean):
    data = (DATA / "russian_excel.csv").read_bytes()
    pd.testing.assert_frame_equal(read_indicators(io.BytesIO(data)), clean)
    with open(DATA / "clean_long.csv", encoding="utf-8") as handle:
        table = read_indicators(handle)
    pd.testing.assert_frame_equal(table, clean)
    assert table.attrs["source"].endswith("clean_long.csv")
    text = (DATA / "clean_long.csv").read_text(encoding="utf-8")
    pd.testing.assert_frame_equal(read_indicators(io.StringIO(text)), clean)
    workbook = io.BytesIO((FAULTS / "yearly_sheets.xlsx").read_bytes())
    pd.testing.assert_frame_equal(read_indicators(workbook), clean)


def test_bytes_are_refused_naming_both_readings():
    with pytest.raises(TypeError) as err:
        read_indicators((DATA / "clean_long.csv").read_bytes())
    message = str(err.value)
    assert "path" in message and "io.BytesIO" in message and "os.fsdecode" in message


def test_a_sheet_of_units_outside_their_years_layout_is_refused_by_name(tmp_path):
    # a sheet whose every row is a unit of another layout holds no cell: describing it for the
    # sheet account once failed with an IndexError instead of this refusal
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["region", "year", "J_A", "J_B", "J_C", "J_D", "J_E", "J_F"])
    sheet.append(["Abai", 2019, 1, 2, 3, 4, 5, 6])
    book.save(tmp_path / "abai_2019.xlsx")
    with pytest.raises(IndicatorTableError, match=r"'Abai' .*is not a unit of 2019"):
        read_indicators(tmp_path / "abai_2019.xlsx")
