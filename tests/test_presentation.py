"""The presentation layer: names, number formats, tables and findings a reader sees."""
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from itclusters import REGION_IDS, display_name, format_table, format_value, region_name
from itclusters.catalogue import INDICATORS, indicator_panel
from itclusters.presentation import FORMATS, SplitTable, column_header, findings, grade_band


@pytest.fixture(scope="module")
def panel():
    return indicator_panel()


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>.*?</t[dh]>",
                                                                    html, flags=re.S)]


def test_one_name_per_region_and_no_ids():
    names = [display_name(r) for r in REGION_IDS]
    assert len(set(names)) == 16
    assert not any("_" in n for n in names)
    assert display_name("almaty_city") == "Almaty city"
    assert display_name("almaty_region") == "Almaty region"
    assert display_name("karaganda") == region_name("karaganda")


@pytest.mark.slow
def test_every_catalogue_indicator_has_a_format(panel):
    from itclusters.catalogue import user_panel
    from itclusters.today import explorer_panel
    from itclusters.userdata import read_indicators

    assert set(INDICATORS) <= set(FORMATS)
    today = explorer_panel()
    yours = user_panel(read_indicators(Path(__file__).parent / "data" / "clean_long.csv"))
    for code in INDICATORS:
        column = next(p[code] for p in (panel, today, yours) if code in p)
        text = column.map(lambda v: format_value(v, code))
        assert not text.str.contains(r"e\+|e-0|nan|NaN|inf", regex=True).any(), code
        # missing stays missing, in words
        assert (text == "no data").sum() == column.isna().sum(), code


def test_formats_per_indicator():
    assert format_value(8650.3449, "it_production") == "8,650.3"
    assert format_value(0.50523, "ksi") == "50.5\u202f%"
    assert format_value(0.000412, "it_share") == "0.04\u202f%"
    assert format_value(1.0, "ict_lq") == "1.00"
    assert format_value(1_234_567.8, "grp_per_capita") == "1,234,568"
    assert format_value(0.41149, "krugman") == "0.411"
    assert format_value(float("inf"), "threshold") == "no cut above"
    assert format_value(float("inf"), "ict_lq") == "∞"
    # not "—", which the article prints for a missing value
    assert format_value(False, "bool") == "✗" and format_value(np.True_, "bool") == "✓"
    # a value that is not zero never reads as one; zero (or float residue) never as "-0.00"
    assert format_value(-0.0001, "number:2") == "> −0.01"
    assert format_value(0.00004, "ict_share") == "< 0.01\u202f%"
    assert format_value(0.4, "integer") == "< 1"
    assert format_value(-1e-17, "number:2") == "0.00" and format_value(0.0, "ict_share") == "0.00\u202f%"
    with pytest.raises(ValueError, match="unknown format 'pct'"):
        format_value(1.0, "pct")


def test_table_has_names_units_integer_ranks_and_no_raw_values():
    frame = pd.DataFrame({
        "region": [region_name(r) for r in ["almaty_city", "astana", "akmola"]],
        "it_production": [8650.34, 1.2e4, np.nan],
        "ict_lq": [3.8041, 1.2, np.inf],
        "rank": [1.0, 2.5, np.nan],
        "robust": [True, False, True],
    }, index=["almaty_city", "astana", "akmola"])
    html = format_table(frame).to_html()
    cells = _cells(html)
    assert "Almaty city" in cells and "almaty_city" not in html
    assert "Almaty (city)" not in cells  # the duplicated name column is gone
    assert "IT industrial production (million KZT)" in cells  # label and unit
    assert "8,650.3" in cells and "12,000.0" in cells
    assert "∞" in cells and "no data" in cells
    assert "2" in cells and "2.5" not in cells and "1.0" not in cells
    assert "✓" in cells and "✗" in cells and "True" not in cells
    assert not re.search(r"e\+|\bnan\b|NaN|…", html)


def test_multiindex_region_level_becomes_names(panel):
    html = format_table(panel[["ict_lq"]].loc[pd.IndexSlice[:, [2015, 2016]], :]).to_html()
    assert "Almaty city" in html and "almaty_city" not in html


def test_wide_tables_are_transposed_or_split():
    wide_short = pd.DataFrame(np.arange(20.0).reshape(2, 10) + 0.5, index=["astana", "akmola"],
                              columns=[f"c{i}" for i in range(10)])
    styler = format_table(wide_short, max_columns=7)
    assert styler.data.shape == (10, 2)  # transposed: regions become the columns
    wide_long = pd.DataFrame(np.ones((16, 18)) / 3, index=list(REGION_IDS),
                             columns=[f"c{i}" for i in range(18)])
    split = format_table(wide_long, max_columns=7)
    assert isinstance(split, SplitTable)
    assert [p.data.shape[1] for p in split.parts] == [7, 7, 4]
    assert all(p.data.shape[0] == 16 for p in split.parts)
    assert split.to_html().count("Almaty city") == 3


def test_headers_and_grade_bands():
    assert column_header("ksi") == "IT specialisation index, formula (5) (published) " \
                                   "(% of national IT)"
    assert grade_band("C++") == "C++ (30–40, inferred)"
    with pytest.raises(ValueError, match="not on the scale"):
        grade_band("D")


def test_findings_are_markdown():
    from IPython.display import Markdown

    shown = findings("a.", "b.")
    assert isinstance(shown, Markdown) and shown.data == "- a.\n- b."
    with pytest.raises(ValueError):
        findings()


def test_style_keeps_interactive_mode_switched_on_inside():
    """The notebook's backend switches interactive mode on when the first figure is made;
    leaving the style must not switch it off, or later figures are never shown."""
    import matplotlib

    from itclusters.presentation import figure_style

    before = matplotlib.is_interactive()
    try:
        matplotlib.interactive(False)
        with figure_style():
            matplotlib.interactive(True)
        assert matplotlib.is_interactive()
    finally:
        matplotlib.interactive(before)


def test_text_columns_read_from_the_left():
    html = format_table(pd.DataFrame({"group": ["candidate", "neither"], "x": [1.5, 2.5]},
                                     index=["astana", "akmola"])).to_html()
    assert "text-align: left" in html


def test_index_names_and_missing_wording():
    frame = pd.DataFrame({"x": [1.5, np.nan]},
                         index=pd.MultiIndex.from_tuples([("astana", 2016), ("akmola", 2016)],
                                                         names=["region_id", "year"]))
    html = format_table(frame, missing="not stated").to_html()
    assert "region_id" not in html and ">Year<" in html and "not stated" in html
    empty = format_table(frame.iloc[:0]).to_html()
    assert "region_id" not in empty


def test_ranking_table_for_numbers_and_letters(panel):
    from itclusters.presentation import ranking_table

    production = panel["it_production"].xs(2016, level="year")
    html = ranking_table(production, "it_production").to_html()
    cells = _cells(html)
    assert "IT industrial production (million KZT)" in cells and "Rank" in cells
    assert "20,152.4" in cells and not re.search(r"e\+|\bnan\b|_city", html)
    ranks = re.findall(r'class="data row\d+ col1" >([^<]+)<', html)
    assert len(ranks) == 16 and all(re.fullmatch(r"\d+|no data", r) for r in ranks)
    assert ranks[:3] == ["1", "2", "3"] and ranks.count("no data") == 5
    names = [display_name(r) for r in REGION_IDS]
    rows = re.findall(r'class="row_heading[^"]*" >([^<]+)<', html)
    assert sorted(rows) == sorted(names) and rows[0] == "Almaty city"
    assert rows[-5:] == sorted(rows[-5:], key=rows.index)  # the five "—" regions last
    letters = ranking_table(panel["grade"].xs(2016, level="year"), "grade")
    shown = letters.data.iloc[:, 0].tolist()
    assert shown[0] == "A (≥ 60, inferred)" and shown[-1].startswith("C (")


def test_region_header_shares_the_header_row():
    # pandas puts an index's name on a header row of its own, a row of blanks beside "Region"
    frame = pd.DataFrame({"ict_lq": [1.42, None], "rank": [1.0, 2.0]},
                         index=["almaty_city", "akmola"])
    shown = format_table(frame).to_html()
    head = shown.split("<thead>")[1].split("</thead>")[0]
    assert head.count("<tr>") == 1 and ">Region</th>" in head


def test_row_headers_wrap_instead_of_running_over_the_values():
    # every cell is at most 16em wide; a row header that may not wrap ran over the numbers
    # beside it (notebook 08's Moran table, labels such as "Index of innovative development")
    frame = pd.DataFrame({"I": [-0.131]}, index=["Index of innovative development (published)"])
    html = format_table(frame, formats={"I": "number:3"}).to_html()
    rules = {selector.strip(): body for selector, body in
             re.findall(r"#T_\w+ ([^{]*)\{([^}]*)\}", html)}
    assert "max-width: 16em" in rules["th"]
    assert "nowrap" not in rules["th.row_heading"]


# --- downloads of a table (issue 22, item 4) ---------------------------------------------------

def _shown_with_total():
    from itclusters.today import REPUBLIC

    frame = pd.DataFrame({"ict_lq": [3.8123, 1.4249, 0.3], "ict_share": [0.58, 0.29, 1.0]},
                         index=["Almaty city", "Astana", REPUBLIC])
    frame.index.name = "Region"
    return format_table(frame, caption="ICT in 2025: 50 % and more")


def test_a_table_downloads_as_csv_xlsx_and_booktabs_latex_with_the_total_set_off():
    import base64
    import io

    import openpyxl

    from itclusters.presentation import TABLE_MIME, table_downloads

    table = _shown_with_total()
    files = table_downloads(table)
    assert table._repr_mimebundle_()[TABLE_MIME] == files
    csv = pd.read_csv(io.StringIO(files["csv"]), index_col=0)
    assert list(csv.index) == ["Almaty city", "Astana", "Republic of Kazakhstan"]
    assert csv.iloc[0, 0] == 3.8123  # the numbers, not their display
    assert list(csv.columns) == [column_header("ict_lq"), column_header("ict_share")]
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(files["xlsx"]))).active
    assert [c.value for c in sheet[2]] == ["Almaty city", 3.8123, 0.58]
    tex = files["tex"].splitlines()
    assert tex[tex.index(r"\toprule") + 2] == r"\midrule"  # header, rule, the regions
    total = next(i for i, line in enumerate(tex) if line.startswith("Republic of Kazakhstan"))
    assert tex[total - 1] == r"\midrule" and tex[total + 1] == r"\bottomrule"
    assert r"Almaty city & 3.81 & 58.00\,\% \\" in files["tex"]  # as shown, escaped for LaTeX
    assert r"\caption{ICT in 2025: 50 \% and more}" in files["tex"]
    # the same table downloads as the same bytes (no clock in the workbook)
    assert table_downloads(_shown_with_total()) == files


def test_the_total_row_of_a_table_is_set_off_by_a_rule():
    style = _shown_with_total().to_html().split("</style>")[0]
    for cell in ("th", "td"):
        assert re.search(rf"{cell}\.row2 \{{\s*border-top: 1.5px solid", style), style
    assert "row1" not in style and "row0" not in style  # the regions have no rule
