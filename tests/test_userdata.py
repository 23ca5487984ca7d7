"""Reading users' tables as they really arrive (lib/itclusters/userdata.py).

The fixtures in tests/data/ are written by tests/data/make_fixtures.py from one synthetic
panel: every real-shaped file must read to the same frame as clean_long.csv, and every corrupt
one must give its own error, naming the cell.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import itclusters as itc
from itclusters import REGION_IDS, IndicatorTableError, read_indicators, region_name
from itclusters.userdata import indicator_template

DATA = Path(__file__).resolve().parent / "data"
ROOT = DATA.parents[1]
CODES = ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]


@pytest.fixture(scope="module")
def clean():
    return read_indicators(DATA / "clean_long.csv")


def test_clean_fixture_is_what_the_generator_writes(clean):
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_fixtures", DATA / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.panel()
    pd.testing.assert_frame_equal(clean, expected.sort_index()[clean.columns], check_exact=True)
    assert np.isnan(clean.loc[("atyrau", 2015), "J_C"])  # "not available" stays missing


@pytest.mark.parametrize("name, inferred", [
    ("russian_excel.csv", {"separator": ";", "decimal": ",", "thousands": " ", "encoding": "cp1251"}),
    ("bom_utf8.csv", {"separator": ",", "decimal": ".", "thousands": ",", "encoding": "utf-8-sig"}),
    ("cp1251.csv", {"separator": ";", "decimal": ".", "encoding": "cp1251", "layout": "long"}),
    ("kazakh_names.tsv", {"separator": "\t", "decimal": ",", "thousands": ".", "encoding": "utf-8"}),
    ("bns_wide.xlsx", {"layout": "wide", "header_row": 3, "units_row": 4, "decimal": ",",
                       "sheet": CODES}),
])
def test_real_shaped_files_read_to_the_clean_frame(clean, name, inferred):
    table = read_indicators(DATA / name)
    pd.testing.assert_frame_equal(table, clean)
    for key, value in inferred.items():
        assert table.attrs[key] == value, key
    summary = table.attrs["summary"]
    assert summary.startswith(f"read {name}: ") and "\n" not in summary
    assert "16 regions x 2 years (2015, 2017), 6 indicators, 1 cell not available" in summary


def test_bns_workbook_skips_the_national_total_and_the_notes(clean):
    table = read_indicators(DATA / "bns_wide.xlsx", sheet="J_A", indicator="J_A",
                            metadata=itc.default_metadata().loc[["J_A", "susceptibility",
                                                                 "activity", "index"]])
    pd.testing.assert_series_equal(table["J_A"], clean["J_A"])
    reasons = [why for _, why in table.attrs["skipped_rows"]]
    assert reasons.count("national total") == 1 and reasons.count("note") == 2


def test_wide_layout_one_file_per_indicator(clean):
    files = sorted((DATA / "wide").glob("J_*.csv"))
    table = read_indicators(files)
    pd.testing.assert_frame_equal(table, clean)
    assert table.attrs["layout"] == "wide"


@pytest.mark.parametrize("name, pattern", [
    ("unknown_region.csv", r"unknown_region.csv, row 4, column 'region': value 'Akmolla': "
                           r"unknown region 'Akmolla'; closest ids: akmola"),
    ("text_in_number.csv", r"row 7, column 'J_C': value '12.5 тыс' is not a number; allowed:"),
    ("infinite.csv", r"row 9, column 'J_B': value 'inf' is not a finite number"),
    ("year_negative.csv", r"row 5, column 'year': value '-5' is not a year: a year is a whole "
                          r"number from 1990 to 2100"),
    ("year_huge.csv", r"row 6, column 'year': value '1e22' is not a year"),
    ("ambiguous_thousands.csv", r"row 3, column 'J_D': value '7,013' can be read two ways: 7013 "
                                r"\(',' as thousands separator\) or 7.013 \(',' as decimal mark\)"),
    ("negative.csv", r"row 10, column 'J_A': value '-3.5' is negative; J_A cannot be negative"),
    ("empty.csv", r"empty.csv: is empty \(0 bytes\)"),
    ("header_only.csv", r"header_only.csv: has a header on row 1 but no rows of regions"),
    ("binary.csv", r"binary.csv: is a binary file, not a text table"),
    ("renamed_workbook.csv", r"starts like an Excel .xlsx workbook: rename it to .xlsx"),
    ("truncated.xlsx", r"truncated.xlsx: is not a readable Excel workbook"),
    ("not_really.xls", r"not_really.xls: is not a readable Excel workbook"),
])
def test_each_corrupt_fixture_gives_its_named_error(name, pattern):
    with pytest.raises(IndicatorTableError, match=pattern) as err:
        read_indicators(DATA / "corrupt" / name)
    assert "Traceback" not in str(err.value)
    assert str(DATA / "corrupt" / name) in str(err.value)


def test_a_semicolon_file_read_with_commas_says_so():
    with pytest.raises(IndicatorTableError, match=r"this looks like a semicolon-separated file; "
                                                  r"read with sep=';'"):
        read_indicators(DATA / "russian_excel.csv", sep=",")


def test_a_folder_and_a_missing_file():
    with pytest.raises(IndicatorTableError, match=r"is a folder, not a table"):
        read_indicators(DATA)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_indicators(DATA / "nowhere.csv")


def test_overrides_are_used(clean):
    table = read_indicators(DATA / "russian_excel.csv", sep=";", decimal=",", encoding="cp1251",
                            header=1)
    pd.testing.assert_frame_equal(table, clean)
    assert table.attrs["decimal"] == "," and "decimal ','" in table.attrs["summary"]
    with pytest.raises(IndicatorTableError, match=r"value '30,5' has ',' as decimal mark, but the "
                                                  r"file's decimal mark is '.' \(given\)"):
        read_indicators(DATA / "russian_excel.csv", decimal=".")


def test_cp1251_is_never_garbled():
    table = read_indicators(DATA / "cp1251.csv")
    assert table.attrs["encoding"] == "cp1251"
    wrong = DATA / "cp1251.csv"
    with pytest.raises(IndicatorTableError, match=r"cannot be read as utf-8"):
        read_indicators(wrong, encoding="utf-8")


# --- numbers as written ---------------------------------------------------------------------------

def _table(cells: dict[str, list[str]], sep: str = ",") -> str:
    lines = [sep.join(["region", "year", *CODES])]
    for i, rid in enumerate(REGION_IDS):
        row = [region_name(rid), "2016", *(cells[c][i] for c in CODES)]
        lines.append(sep.join(f'"{v}"' if sep in v else v for v in row))
    return "\n".join(lines) + "\n"


VALUES = np.array([1234.5, 56.25, 7.0, 1234567.75, 0.5, 999.0, 1000.0, 12.5,
                   100.125, 3.0, 45678.5, 2.0, 10.0, 77.75, 8000.0, 5.5])


@pytest.mark.parametrize("convention, write", [
    ("1,234.5", lambda x: f"{x:,.3f}"),
    ("1 234,5", lambda x: f"{x:,.3f}".replace(",", " ").replace(".", ",")),
    ("1.234,5", lambda x: f"{x:,.3f}".replace(",", "_").replace(".", ",").replace("_", ".")),
    ("1234.5", lambda x: f"{x:.3f}"),
])
def test_one_table_in_the_four_conventions_reads_to_the_same_numbers(tmp_path, convention, write):
    cells = {c: [write(v * (k + 1)) for v in VALUES] for k, c in enumerate(CODES)}
    path = tmp_path / "four.csv"
    path.write_text(_table(cells, sep=";" if "," in convention[-2:] else ","), encoding="utf-8")
    table = read_indicators(path)
    for k, code in enumerate(CODES):
        assert np.allclose(table[code].xs(2016, level="year").reindex(list(REGION_IDS)),
                           VALUES * (k + 1), rtol=0, atol=1e-9), (convention, code)


def test_english_thousands_are_read_when_the_column_shows_them(tmp_path):
    # the case: "7,013" was read as 7.013, moving Akmola from B to C++
    cells = {c: [f"{v:,.1f}" for v in VALUES] for c in CODES}
    cells["J_D"] = ["7,013"] + ["1,234,567"] + [f"{v:.1f}" for v in VALUES[2:]]
    path = tmp_path / "en.csv"
    path.write_text(_table(cells), encoding="utf-8")
    table = read_indicators(path)
    assert table.loc[("akmola", 2016), "J_D"] == 7013.0
    assert table.attrs["thousands"] == ","


def test_a_lone_seven_comma_013_is_refused_naming_both_readings(tmp_path):
    cells = {c: [f"{v:.0f}" for v in VALUES] for c in CODES}  # nothing says which mark is decimal
    cells["J_D"][0] = "7,013"
    path = tmp_path / "mixed.csv"
    path.write_text(_table(cells), encoding="utf-8")
    with pytest.raises(IndicatorTableError, match=r"row 2, column 'J_D': value '7,013' can be read "
                                                  r"two ways: 7013 .* or 7.013"):
        read_indicators(path)
    assert read_indicators(path, thousands=",").loc[("akmola", 2016), "J_D"] == 7013.0
    assert read_indicators(path, decimal=",", sep=",").loc[("akmola", 2016), "J_D"] == 7.013


def test_two_decimal_marks_in_one_file_are_refused(tmp_path):
    cells = {c: [f"{v:.1f}" for v in VALUES] for c in CODES}
    cells["J_B"][3] = "12,5"
    path = tmp_path / "two.csv"
    path.write_text(_table(cells, sep=";"), encoding="utf-8")
    with pytest.raises(IndicatorTableError, match=r"has '.' as decimal mark, but .*row 5, column "
                                                  r"'J_B': value '12,5' has ','"):
        read_indicators(path)


@pytest.mark.parametrize("mark", ["-", "…", "х", "x", "—", ""])
def test_not_available_marks_are_missing_never_zero(tmp_path, mark):
    cells = {c: [f"{v:.1f}" for v in VALUES] for c in CODES}
    cells["J_C"][2] = mark
    path = tmp_path / "na.csv"
    path.write_text(_table(cells), encoding="utf-8")
    table = read_indicators(path)
    assert np.isnan(table.loc[("almaty_region", 2016), "J_C"])
    assert table.attrs["missing_cells"] == [("almaty_region", 2016, "J_C")]
    index = itc.innovation_index(table)
    assert np.isnan(index.loc[("almaty_region", 2016), "index"])  # no data, not a low score


# --- the template ---------------------------------------------------------------------------------

def test_committed_templates_are_what_indicator_template_writes(tmp_path):
    for suffix in ("csv", "xlsx"):
        made = indicator_template(tmp_path / f"t.{suffix}")
        committed = ROOT / "data" / "templates" / f"indicators_template.{suffix}"
        if suffix == "csv":
            assert made.read_bytes() == committed.read_bytes()
        else:
            for sheet in ("data", "indicators"):
                pd.testing.assert_frame_equal(
                    pd.read_excel(made, sheet_name=sheet, engine="calamine"),
                    pd.read_excel(committed, sheet_name=sheet, engine="calamine"))
    with pytest.raises(FileExistsError):
        indicator_template(tmp_path / "t.csv")


def test_an_unfilled_template_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = itc.indicator_template()
    assert path == Path("indicators_template.xlsx") and path.exists()
    with pytest.raises(IndicatorTableError, match=r"column 'J_D': no value at all in 2010"):
        read_indicators(path)


def test_a_filled_template_reads_back(tmp_path):
    path = itc.indicator_template(tmp_path / "mine.csv", years=[2015, 2017])
    table = pd.read_csv(path)
    rng = np.random.default_rng(3)
    for code in CODES:
        table[code] = rng.uniform(1, 100, len(table)).round(2)
    table.to_csv(path, index=False)
    read = read_indicators(path)
    assert read.shape == (32, 6)
    assert read.attrs["layout"] == "long"


# --- the old contract, kept ---------------------------------------------------------------------

def _set(row, column, value):
    def mutate(table):
        table.loc[row, column] = value
        return table
    return mutate


def test_reads_a_valid_table(indicator_csv, raw_indicators):
    table = read_indicators(indicator_csv())
    pd.testing.assert_frame_equal(table, raw_indicators.sort_index(), check_like=True)


def test_reads_excel(tmp_path, raw_indicators):
    path = tmp_path / "indicators.xlsx"
    raw_indicators.reset_index().rename(columns={"region_id": "region"}).to_excel(path, index=False)
    table = read_indicators(path)
    pd.testing.assert_frame_equal(table, raw_indicators.sort_index(), check_like=True)


@pytest.mark.parametrize("mutate, pattern", [
    (_set(3, "region", "Atlantis"), r"row 5, column 'region': value 'Atlantis': unknown region"),
    (_set(3, "region", "Shymkent"), r"row 5, column 'region': value 'Shymkent'.*south_kazakhstan"),
    (_set(3, "region", "Akmola"), r"row 5, column 'region'.*'akmola' appears twice for 2016"),
    (_set(4, "J_C", "12,3.4"), r"row 6, column 'J_C': value '12,3.4' is not a number"),
    (_set(4, "J_C", "abc"), r"row 6, column 'J_C': value 'abc' is not a number"),
    (_set(4, "J_A", "-5"), r"row 6, column 'J_A': value '-5' is negative"),
    (_set(5, "year", "twenty"), r"row 7, column 'year': value 'twenty' is not a year"),
    (lambda t: t.drop(index=[6]), r"column 'region': year 2010 lacks region\(s\) atyrau"),
    (lambda t: t.assign(J_B=np.where(t["year"] == 2016, "0", t["J_B"])),
     r"column 'J_B': in 2016 the leading value is 0.0"),
    (lambda t: t.drop(columns="J_F"), r"missing column\(s\) \['J_F'\]"),
    (lambda t: t.rename(columns={"region": "territory name"}), r"missing column\(s\) \['region'\]"),
])
def test_bad_tables_fail_with_file_row_column_value(indicator_csv, mutate, pattern):
    path = indicator_csv(mutate)
    with pytest.raises(IndicatorTableError, match=pattern) as err:
        read_indicators(path)
    assert str(path) in str(err.value)


def test_a_lone_decimal_comma_in_a_point_file_is_refused_naming_both(indicator_csv):
    # once accepted silently; a file that writes numbers two ways cannot be trusted either way
    with pytest.raises(IndicatorTableError, match=r"row 2, column 'J_B': value '[\d.]+' has '.' as "
                                                  r"decimal mark, but .*row 2, column 'J_A': value "
                                                  r"'12,5' has ','"):
        read_indicators(indicator_csv(_set(0, "J_A", "12,5")))


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}")
    with pytest.raises(IndicatorTableError, match="unsupported file type"):
        read_indicators(path)


def test_old_import_path_still_works():
    from itclusters.data import IndicatorTableError as Old, read_indicators as old_read
    assert Old is IndicatorTableError and old_read is read_indicators


# --- property-based: random valid tables round-trip, one corrupted cell is named ---------------

FORMATS = {
    "en": (",", lambda x: f"{x:,.2f}"),
    "ru": (";", lambda x: f"{x:,.2f}".replace(",", "\u00a0").replace(".", ",")),
    "de": (";", lambda x: f"{x:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")),
    "plain": (",", lambda x: f"{x:.2f}"),
    "tab": ("\t", lambda x: f"{x:,.2f}".replace(",", " ").replace(".", ",")),
}
_values = st.lists(st.floats(min_value=0.01, max_value=5e6, allow_nan=False), min_size=16 * 6,
                   max_size=16 * 6)


def _write(path, numbers, convention, encoding, names, missing=()):
    sep, fmt = FORMATS[convention]
    lines = [sep.join(["region", "year", *CODES])]
    for i, rid in enumerate(REGION_IDS):
        cells = ["-" if (i, k) in missing else fmt(numbers[i * 6 + k]) for k in range(6)]
        row = [region_name(rid, names), "2016", *cells]
        lines.append(sep.join(f'"{v}"' if sep in v else v for v in row))
    data = ("\n".join(lines) + "\n").encode(encoding if encoding != "utf-8-sig" else "utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b"") + data)


@pytest.mark.slow
@settings(max_examples=24)  # 24 tables of 96 numbers each, conventions and encodings drawn
@given(numbers=_values, convention=st.sampled_from(sorted(FORMATS)),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]),
       names=st.sampled_from(["en", "ru"]),
       missing=st.sets(st.tuples(st.integers(0, 15), st.integers(0, 5)), max_size=3))
def test_random_valid_tables_round_trip_in_every_format(tmp_path, numbers, convention, encoding,
                                                        names, missing):
    path = tmp_path / "random.csv"
    _write(path, numbers, convention, encoding, names, missing)
    expected = np.round(np.array(numbers).reshape(16, 6), 2)
    for i, k in missing:
        expected[i, k] = np.nan
    for k in range(6):  # a year whose leader is missing or 0 is refused, rightly
        if not np.nanmax(np.append(expected[:, k], -1)) > 0:
            return
    table = read_indicators(path).xs(2016, level="year").reindex(list(REGION_IDS))[CODES]
    assert np.allclose(table.to_numpy(), expected, equal_nan=True, rtol=0, atol=1e-9)


@pytest.mark.slow
@settings(max_examples=15)  # a workbook a table: 15 tables of 96 numbers each, layouts drawn
@given(numbers=_values, layout=st.sampled_from(["xlsx long", "xlsx wide", "csv wide"]),
       title_rows=st.integers(0, 3), names=st.sampled_from(["en", "ru", "kk"]),
       missing=st.sets(st.tuples(st.integers(0, 15), st.integers(0, 5)), max_size=3))
def test_random_valid_tables_round_trip_through_workbooks_and_wide_files(
        tmp_path, numbers, layout, title_rows, names, missing):
    import openpyxl
    expected = np.array(numbers).reshape(16, 6)
    for i, k in missing:
        expected[i, k] = np.nan
    for k in range(6):
        if not np.nanmax(np.append(expected[:, k], -1)) > 0:
            return

    def value(i, k):
        return None if np.isnan(expected[i, k]) else float(expected[i, k])

    titles = [[f"Table {t + 1} of the regional indicators"] for t in range(title_rows)]
    if layout == "xlsx long":
        book = openpyxl.Workbook()
        sheet = book.active
        for row in [*titles, ["region", "year", *CODES]]:
            sheet.append(row)
        for i, rid in enumerate(REGION_IDS):
            sheet.append([region_name(rid, names), 2016, *(value(i, k) for k in range(6))])
        path = tmp_path / "random.xlsx"
        book.save(path)
    elif layout == "xlsx wide":
        book = openpyxl.Workbook()
        book.remove(book.active)
        for k, code in enumerate(CODES):
            sheet = book.create_sheet(code)
            for row in [*titles, [None, 2016]]:
                sheet.append(row)
            for i, rid in enumerate(REGION_IDS):
                sheet.append([region_name(rid, names), value(i, k)])
        path = tmp_path / "random.xlsx"
        book.save(path)
    else:
        path = []
        for k, code in enumerate(CODES):
            lines = [*(t[0] for t in titles), "region,2016"]
            lines += [f"{region_name(rid, names)},{'' if value(i, k) is None else repr(value(i, k))}"
                      for i, rid in enumerate(REGION_IDS)]
            one = tmp_path / f"{code}.csv"
            one.write_text("\n".join(lines) + "\n", encoding="utf-8")
            path.append(one)
    table = read_indicators(path).xs(2016, level="year").reindex(list(REGION_IDS))[CODES]
    # a workbook keeps 15 significant digits, as Excel does
    assert np.allclose(table.to_numpy(), expected, rtol=1e-14, atol=0, equal_nan=True)


_bad_cells = st.sampled_from(["abc", "1.2.3x", "inf", "-inf", "12 %", "1e5e", "(5)", "5-", "∞",
                              "nan", "#DIV/0!", "1,2,3,4"])


@settings(max_examples=40)
@given(row=st.integers(0, 15), column=st.integers(0, 5), bad=_bad_cells,
       convention=st.sampled_from(sorted(FORMATS)))
def test_one_corrupted_cell_is_named(tmp_path, row, column, bad, convention):
    path = tmp_path / "corrupt.csv"
    numbers = [float(10 + i) for i in range(96)]
    _write(path, numbers, convention, "utf-8", "en")
    sep = FORMATS[convention][0]
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[row + 1].split(sep)
    cells[2 + column] = f'"{bad}"' if sep in bad else bad
    lines[row + 1] = sep.join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(IndicatorTableError) as err:
        read_indicators(path)
    message = str(err.value)
    assert f"row {row + 2}, column {CODES[column]!r}: value {bad!r}" in message


# --- the user's index in the explorer -----------------------------------------------------------

@pytest.mark.slow
def test_the_explorer_takes_a_panel_with_the_users_index(clean):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from itclusters.catalogue import available_years, user_panel
    from itclusters.widgets import Explorer

    panel = user_panel(clean)
    assert available_years(panel, "your_index") == [2015, 2017]
    assert available_years(panel, "index") == [2010, 2016]  # the article's, beside
    expected = itc.innovation_index(clean)["index"]
    assert np.allclose(panel["your_index"].dropna(), expected.dropna().reindex(
        panel["your_index"].dropna().index))
    widget = Explorer(panel, indicator="your_index", year=2017, scheme="grade")
    assert list(widget.year.options) == [2015, 2017]
    assert widget.heading.value.count("Your index of innovative development") == 1
    assert "2017" in widget.heading.value
    html = widget.table.value
    best = expected.xs(2017, level="year").idxmax()
    first_row = html.split("<tbody>")[1].split("</tr>")[0]
    assert f">{itc.display_name(best)}</td>" in first_row and ">1</td>" in first_row  # ranked first
    widget.year.value = 2015
    assert "2015" in widget.heading.value and "2017" not in widget.heading.value
    plt.close("all")
