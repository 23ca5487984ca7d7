"""Today's regions everywhere (issue 20): every year on its own layout, honestly labelled, no
name for two territories, growth across a change of layout, sentences that know an outlier."""
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import itclusters as itc
from itclusters import today
from itclusters.data import official_current
from itclusters.presentation import display_name, format_value


@pytest.fixture(scope="module")
def panels():
    return today.explorer_panels()


@pytest.fixture(scope="module")
def panel():
    return today.today_panel()


def _rows(widget):
    """(rank, region, value) of the explorer's table."""
    body = widget.table.value.split("<tbody>")[1]
    return [tuple(re.sub("<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row))
            for row in body.split("</tr>") if "<td" in row]


# --- each year on its own layout ------------------------------------------------------------

def test_the_own_layout_panel_of_2025_has_the_20_units_and_notebook_09s_values(panels, panel):
    from itclusters.layouts import layout_units

    own = panels[today.OWN_REGIONS]
    units_2025 = own.xs(2025, level="year")
    assert sorted(units_2025.index) == sorted(layout_units("kz20"))
    assert own.attrs["layouts"][2025] == "kz20" and own.attrs["harmonised"] == []
    # notebook 09's ranking table reads the same number for Jetisu as the explorer
    ranking = today.it_poles(panel, 2025)
    assert format_value(ranking.loc["jetisu", "ict_lq"], "lq") == "0.30"
    assert units_2025.loc["jetisu", "ict_lq_grp"] == ranking.loc["jetisu", "ict_lq"]
    assert units_2025.loc["karaganda_2022", "ict_lq_grp"] == ranking.loc["karaganda_2022", "ict_lq"]


@pytest.mark.slow
def test_the_explorer_shows_2025_on_20_units_with_jetisu(panels):
    from itclusters.widgets import Explorer

    w = Explorer(panels=panels, indicator="ict_lq_grp", year=2025)
    try:
        assert len(w.ax._itclusters_ids) == 20
        rows = {name: value for _, name, value in _rows(w)}
        assert rows["Jetisu"] == "0.30"
        assert "Karaganda (since 2022)" in rows and "Karaganda" not in rows
        assert "harmonised" not in w.heading.value
        # the change of territory behind a name is said once, under the table
        assert w.table.value.count("Karaganda without Ulytau, split off in June 2022") == 1
    finally:
        plt.close("all")


@pytest.mark.slow
@pytest.mark.parametrize("label, layout_words, merged", [
    (today.KZ17_REGIONS, "the 17 units of 2018–2021", "East-Kazakhstan incl. Abai"),
    (today.KZ16_REGIONS, "the 16 units of 2010–2017", "South-Kazakhstan (Turkestan + Shymkent)"),
])
def test_a_harmonised_view_of_2025_says_so_and_names_merged_units(panels, label, layout_words,
                                                                  merged):
    from itclusters.widgets import Explorer

    w = Explorer(panels=panels, panel=panels[label], indicator="ict_lq_grp", year=2025)
    try:
        assert f"harmonised to {layout_words}" in w.heading.value
        assert f"harmonised to {layout_words}" in w.table.value.split("</caption>")[0]
        assert "(harmonised)" in w.legend.value
        names = [name for _, name, _ in _rows(w)]
        assert merged in names and "Karaganda incl. Ulytau" in names
        assert "Abai" not in names and "Karaganda" not in names
        # 2019 on the 17 units is that year's own layout: nothing harmonised, no "incl."
        w.year.value = 2019
        if label == today.KZ17_REGIONS:
            assert "harmonised" not in w.heading.value
            assert not [n for n in (name for _, name, _ in _rows(w)) if "incl." in n]
    finally:
        plt.close("all")


def _html_table(html):
    """The first table of a page as a DataFrame of its texts (header row = column names)."""
    from bs4 import BeautifulSoup

    rows = [[cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
            for row in BeautifulSoup(html, "html.parser").find("table").find_all("tr")]
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_a_unit_that_did_not_exist_reads_not_a_unit_in_that_year(panels):
    from itclusters.widgets import NOT_A_UNIT, Explorer

    w = Explorer(panels=panels, indicator="ict_share", year=2025, static_years=[2010, 2016, 2025])
    try:
        html = w.static_html(picture="")
        table = _html_table(html).set_index("Region")
        assert table.loc["Shymkent", "2010"] == NOT_A_UNIT
        assert table.loc["South-Kazakhstan", "2025"] == NOT_A_UNIT
        assert table.loc["Abai", "2016"] == NOT_A_UNIT
        assert table.loc["Karaganda (since 2022)", "2016"] == NOT_A_UNIT
        assert table.loc["Karaganda", "2025"] == NOT_A_UNIT
        assert table.loc["Karaganda", "2016"] not in (NOT_A_UNIT, "no data")
        assert "no data" not in table.to_numpy()  # every unit of each year has its value
        # every cell of a unit of that year is a value
        own = panels[today.OWN_REGIONS]
        for year in (2010, 2016, 2025):
            n_values = (table[str(year)] != NOT_A_UNIT).sum()
            assert n_values == len(own.xs(year, level="year"))
        # the numbers line up on the right, as in every table: the last rule for a year's
        # cells (same selector weight, so the last one holds) says so
        aligned = dict(re.findall(r"td\.col(\d+) \{\s*text-align: (\w+)", html))
        assert aligned == {"0": "right", "1": "right", "2": "right"}, aligned
        # its download (CSV) holds the numbers: a unit of no such year is empty there
        from itclusters.presentation import table_downloads

        csv = table_downloads(w._static_numbers())["csv"]
        numbers = pd.read_csv(io.StringIO(csv), index_col="Region")
        assert numbers.index.tolist() == table.index.tolist()
        for year in (2010, 2016, 2025):
            empty = numbers[str(year)].isna()
            assert (empty == (table[str(year)] == NOT_A_UNIT)).all(), year
        assert numbers.loc["Shymkent", "2025"] == own.loc[("shymkent", 2025), "ict_share"]
    finally:
        plt.close("all")


def test_the_static_table_of_every_year_is_split_and_still_aligned_right(panels):
    # every year (the notebooks' default) is too wide for one table: it is shown as several,
    # and each of them lines its numbers up on the right
    from itclusters.presentation import TABLE_MIME, table_downloads
    from itclusters.widgets import Explorer

    w = Explorer(panels=panels, indicator="ict_share", year=2025)
    try:
        html = w.static_html(picture="")
        bundle, _ = w._repr_mimebundle_()  # as a report shows it: maps, tables, downloads
        tables = re.findall(r"<table", html)
        assert len(tables) >= 2, "sixteen years in one table"
        # in each table's CSS the last rule for a year's cells (the one that holds) says right
        for css in re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S):
            aligned = dict(re.findall(r"td\.col(\d+) \{\s*text-align: (\w+)", css))
            assert aligned and set(aligned.values()) == {"right"}, aligned
        assert len(re.findall(r"<table", bundle["text/html"])) == len(tables)
        csv = table_downloads(w._static_numbers())["csv"]
        assert bundle[TABLE_MIME]["csv"] == csv
        header = csv.splitlines()[0].split(",")
        assert header[1:] == [str(y) for y in w._static_values()[0]]
    finally:
        plt.close("all")


def test_the_harmonised_static_table_names_what_a_row_holds(panels):
    from itclusters.widgets import Explorer

    w = Explorer(panels=panels, panel=panels[today.KZ16_REGIONS], indicator="ict_share",
                 year=2025, static_years=[2016, 2025])
    try:
        html = w.static_html(picture="")
        assert "East-Kazakhstan; Abai + East-Kazakhstan (since 2022) in 2025" in html
        assert "harmonised to the 16 units of 2010–2017" in html
    finally:
        plt.close("all")


# --- names ----------------------------------------------------------------------------------

def test_karaganda_of_2025_and_of_2016_print_different_names(panel):
    from itclusters.presentation import format_table

    assert display_name("karaganda") != display_name("karaganda_2022")
    html_2016 = format_table(today.it_poles(panel, 2016)).to_html()
    html_2025 = format_table(today.it_poles(panel, 2025)).to_html()
    assert "Karaganda (since 2022)" in html_2025 and "Karaganda (since 2022)" not in html_2016
    for rid in ("east_kazakhstan_2022", "almaty_region_2022", "karaganda_2022"):
        assert "(since 2022)" in display_name(rid)
        assert display_name(rid, short=True).endswith("(2022–)")


# --- growth across a change of layout ---------------------------------------------------------

@pytest.mark.slow
def test_growth_across_a_change_of_layout_is_computed_on_unchanged_territory(panel):
    gva = official_current("ict_gva", all_rows=True)["value"]

    def growth(rid, year):
        return (gva[(rid, year)] / gva[(rid, year - 1)] - 1) * 100

    assert panel.loc[("akmola", 2022), "ict_growth"] == pytest.approx(growth("akmola", 2022))
    assert panel.loc[("astana", 2022), "ict_growth"] == pytest.approx(growth("astana", 2022))
    assert panel.loc[("akmola", 2018), "ict_growth"] == pytest.approx(growth("akmola", 2018))
    # the bureau gives 2021 on the 20 units and back-casts Turkestan and Shymkent: same territory
    assert panel.loc[("karaganda_2022", 2022), "ict_growth"] == pytest.approx(
        growth("karaganda_2022", 2022))
    assert panel.loc[("shymkent", 2018), "ict_growth"] == pytest.approx(growth("shymkent", 2018))
    # every unit of 2018 and 2022 has a growth rate: none of them is new without a back-cast
    for year in (2018, 2022):
        assert panel.xs(year, level="year")["ict_growth"].notna().all(), year
    # the harmonised units compare the same territory in both years
    kz16 = today.today_panel("kz16")
    ict = kz16["ict_gva"]
    assert kz16.loc[("karaganda", 2022), "ict_growth"] == pytest.approx(
        (ict[("karaganda", 2022)] / ict[("karaganda", 2021)] - 1) * 100)


# --- sentences that know an outlier -----------------------------------------------------------

@pytest.fixture(scope="module")
def summaries(panel):
    kz16, kz17 = today.today_panel("kz16"), today.today_panel("kz17")
    return {year: today.summary(panel, kz16, year, panel_kz17=kz17) for year in (2021, 2022, 2023,
                                                                              2025)}


def _line(text, start):
    return next(line for line in text.splitlines() if start in line)


def test_2022_flags_pavlodar_and_north_kazakhstan_where_it_names_them(summaries):
    lq = _line(summaries[2022], "highest location quotient outside the poles")
    assert "Pavlodar's, 0.63" in lq and "flagged as an outlier" in lq
    assert "without it, North-Kazakhstan (0.45)" in lq
    rd = _line(summaries[2022], "R&D expenditure was")
    assert "highest in North-Kazakhstan (0.42\u202f% of its GRP)" in rd
    assert "0.02 in 2021; 0.05 in 2023" in rd and "without it, Mangystau (0.33\u202f% of its GRP)" in rd


def test_2023_flags_west_kazakhstans_growth(summaries):
    growth = _line(summaries[2023], "Nominal ICT value added")
    assert "fastest in West-Kazakhstan (+467\u202f%)" in growth and "flagged as an outlier" in growth
    assert "without it, Astana (+230\u202f%)" in growth


def test_a_sentence_on_unflagged_values_carries_no_caveat(summaries):
    assert "outlier" not in summaries[2021] and "spike" not in summaries[2021]
    assert "Jetisu's, 0.30." in _line(summaries[2025], "outside the poles")


def test_karaganda_since_2022_is_also_given_on_its_earlier_territory(summaries):
    line = _line(summaries[2025], "Karaganda (since 2022)")
    assert "share 1.6\u202f%, LQ 0.25" in line
    assert "on its territory of 2021 (Karaganda incl. Ulytau): share 1.8\u202f%, LQ 0.21" in line
    assert _line(summaries[2021], "Karaganda:").startswith("- Karaganda: share")


def test_the_registered_outliers_are_the_values_of_the_data_files():
    from itclusters.outliers import _levels, flagged

    for (series, rid, year), row in flagged().iterrows():
        assert _levels(series)[(rid, year)] == pytest.approx(row["value"], abs=1e-9)
        for value, when in re.findall(r"([\d,.]+) in (\d{4})", row["neighbours"]):
            assert _levels(series)[(rid, int(when))] == pytest.approx(
                float(value.replace(",", "")), abs=1e-9)


def test_a_one_year_spike_is_found_whatever_the_registry_says():
    from itclusters.outliers import spikes

    index = pd.MultiIndex.from_product([["a"], range(2010, 2016)], names=["region_id", "year"])
    values = pd.Series([10.0, 10.0, 21.0, 10.0, 4.0, 10.0], index=index)
    assert spikes(values).tolist() == [False, False, True, False, True, False]
    # exactly twice is not more than twice; a missing neighbour gives no verdict
    values = pd.Series([10.0, 20.0, 10.0, np.nan, 50.0, 10.0], index=index)
    assert spikes(values).tolist() == [False] * 6


# --- one layout per year in every function that takes region-indexed values ------------------

def test_functions_refuse_a_mix_of_layouts_and_harmonise_when_asked():
    import itclusters as itc
    from itclusters.layouts import LayoutError, layout_units

    levels = pd.Series(1.0, index=list(layout_units("kz17")))
    mixed = pd.concat([levels, pd.Series({"south_kazakhstan": 2.0})])
    with pytest.raises(LayoutError, match="south_kazakhstan and shymkent"):
        itc.it_share(mixed)
    shares = itc.it_share(levels, to="kz16")
    assert shares["south_kazakhstan"] == pytest.approx(2 / 17) and len(shares) == 16
    matrix = pd.DataFrame({"IT": mixed, "other": mixed * 9})
    with pytest.raises(LayoutError, match="mix layouts"):
        itc.location_quotient(matrix)
    raw = pd.DataFrame({c: 1.0 for c in ("J_A", "J_B", "J_C", "J_D", "J_E", "J_F")},
                       index=pd.MultiIndex.from_product([mixed.index, [2019]],
                                                        names=["region_id", "year"]))
    with pytest.raises(LayoutError, match="the values of 2019 mix layouts"):
        itc.innovation_index(raw)
    # one layout a year, another the next: fine (each year normalised on its own units)
    kz20 = pd.DataFrame({c: 1.0 for c in raw.columns}, index=pd.MultiIndex.from_product(
        [list(layout_units("kz20")), [2023]], names=["region_id", "year"]))
    both = pd.concat([raw.drop(("south_kazakhstan", 2019)), kz20])
    assert len(itc.innovation_index(both)) == 17 + 20


def test_a_users_index_on_the_20_units_of_2023_keeps_its_20_units():
    # user_panel once put every year on the 16 regions, silently dropping Abai, Jetisu, Ulytau,
    # Shymkent and the reduced units of a 2023 table
    from itclusters.catalogue import available_years, user_panel

    ids = list(itc.layout_units("kz20"))
    index = pd.MultiIndex.from_product([ids, [2023]], names=["region_id", "year"])
    raw = pd.DataFrame({c: [float(i + 1) for i in range(20)]
                        for c in ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]}, index=index)
    panel = user_panel(raw)
    yours = panel["your_index"].xs(2023, level="year").dropna()
    assert sorted(yours.index) == sorted(ids)
    assert yours[ids[-1]] == pytest.approx(100.0) and yours[ids[0]] == pytest.approx(5.0)  # 1/20
    assert available_years(panel, "your_index") == [2023]
    # the article's years keep their 16 regions
    assert len(panel["index"].xs(2016, level="year").dropna()) == 16


@pytest.mark.notebook
def test_notebook_01_maps_a_users_table_on_the_20_units_of_2023(tmp_path, capsys):
    # through the batch grid (papermill underneath), as a maintainer runs it; refused before
    # ("'Abai' is not one of the 16 units")
    from pathlib import Path

    import nbformat

    from itclusters.reports import main

    root = Path(__file__).resolve().parents[1]
    table = root / "tests" / "data" / "kz20_2023.csv"
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"runs:\n  - notebook: 01_innovation_index\n    parameters:\n"
                    f"      indicators_file: {table}\n      year: 2023\n", encoding="utf-8")
    out = tmp_path / "reports"
    code = main(["--grid", str(grid), "--notebooks", str(root / "notebooks"), "--out", str(out),
                 "--jobs", "1", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    assert "1 of 1 runs succeeded" in capsys.readouterr().out
    folder = out / "01_innovation_index"
    notebook = next(folder.glob("*.ipynb"))
    outputs = [o for c in nbformat.read(notebook, as_version=4).cells for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    html = " ".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    for name in ("Abai", "Jetisu", "Ulytau", "Shymkent", "Karaganda (since 2022)"):
        assert name in html, name
    report = next(folder.glob("*.html")).read_text(encoding="utf-8")
    assert "Jetisu" in report and "Karaganda (since 2022)" in report
