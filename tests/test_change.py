"""Issue 21 items 3 and 4, kernel side: the change between two years, and play over the years.

The change is computed by :mod:`itclusters.change` (what kind of change follows the format
layer: percentage points, %, ratio), only for units whose territory is the same in both years;
the explorer draws it on a diverging scheme with the table of both years.  The same views are
checked in Chromium by tests/test_browser_change.py.
"""
import html
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from itclusters.catalogue import indicator_panel  # noqa: E402
from itclusters.change import (TERRITORY_CHANGED, change_between, change_classes,  # noqa: E402
                               change_edges, territory_changed)
from itclusters.presentation import FORMATS, change_format, format_value  # noqa: E402
from itclusters.widgets import NO_CHANGE, PLAY_MS, Explorer, view_from_query  # noqa: E402

MINUS = "\u2212"


@pytest.fixture(scope="module")
def panel():
    return indicator_panel()


@pytest.fixture(scope="module")
def today():
    from itclusters.today import explorer_panel

    return explorer_panel(None)  # each year on its own regions, as the dashboard's first panel


@pytest.fixture(scope="module")
def harmonised():
    from itclusters.today import explorer_panel

    return explorer_panel("kz16")


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def _rows(w):
    body = w.table.value.split("<tbody>")[1]
    return [[_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in body.split("</tr>") if "<td" in row]


def _headers(w):
    head = w.table.value.split("<thead>")[1].split("</thead>")[0]
    return [_text(h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head)]


# -- the kind of change follows the format layer ----------------------------------------------------

@pytest.mark.parametrize("code, kind, short", [
    ("ict_share", "difference", "p.p."), ("manufacturing_share", "difference", "p.p."),
    ("internet_users", "difference", "p.p."), ("rd_intensity", "difference", "p.p."),
    ("ict_lq", "ratio", "ratio"), ("ict_lq_grp", "ratio", "ratio"),
    ("grp_per_capita", "percent", "%"), ("it_production", "percent", "%"),
    ("researchers_per_million", "percent", "%"), ("index", "difference", "points")])
def test_the_kind_of_change_follows_the_indicators_format(code, kind, short):
    fmt = change_format(code)
    assert (fmt.kind, fmt.short) == (kind, short)
    # a share stored as a fraction 0-1 (format "percent") reads ×100 in points
    assert fmt.scale == (100.0 if FORMATS[code].kind == "percent" else 1.0)
    assert fmt.centre == (1.0 if kind == "ratio" else 0.0)


def test_letters_have_no_change_and_are_refused_by_name(panel):
    assert change_format("grade") is None
    with pytest.raises(ValueError, match="'grade' holds letters"):
        change_between(panel, "grade", 2010, 2016)


@pytest.mark.parametrize("since, year, match", [
    (2016, 2016, "two different years"), (2011, 2016, "no values for 2011; available: 2010, 2016")])
def test_years_that_give_no_change_are_refused_naming_them(panel, since, year, match):
    with pytest.raises(ValueError, match=match):
        change_between(panel, "index", since, year)


def test_each_kind_is_computed_from_the_two_years_values(panel):
    share = change_between(panel, "ict_share", 2010, 2016)
    level = change_between(panel, "grp_per_capita", 2010, 2016)
    lq = change_between(panel, "ict_lq", 2010, 2016)
    a = panel.xs(2010, level="year")
    b = panel.xs(2016, level="year")
    for rid in ("pavlodar", "karaganda", "mangystau"):
        assert share.loc[rid, "change"] == pytest.approx(
            (b.loc[rid, "ict_share"] - a.loc[rid, "ict_share"]) * 100)
        assert level.loc[rid, "change"] == pytest.approx(
            (b.loc[rid, "grp_per_capita"] / a.loc[rid, "grp_per_capita"] - 1) * 100)
        assert lq.loc[rid, "change"] == pytest.approx(b.loc[rid, "ict_lq"] / a.loc[rid, "ict_lq"])
    assert share.attrs["format"].unit == "percentage points"


# -- territory --------------------------------------------------------------------------------------

def test_units_whose_territory_changed_are_left_out_and_say_why(today):
    table = change_between(today, "ict_share", 2016, 2025)
    assert len(table) == 20  # the units of 2025
    changed = table.index[table["reason"].str.startswith(TERRITORY_CHANGED)]
    # split off in 2018 and 2022, and the parents left smaller by the splits of 2022
    for rid in ("shymkent", "turkestan", "abai", "jetisu", "ulytau", "east_kazakhstan_2022",
                "almaty_region_2022", "karaganda_2022"):
        assert rid in changed and np.isnan(table.loc[rid, "change"])
    assert "only from 2018" in table.loc["shymkent", "reason"]
    # land of Akmola joined to Astana in 2017, which no crosswalk adds back
    assert "Astana" in table.loc["astana", "reason"] and "2017" in table.loc["astana", "reason"]
    # the same territory in both years: a number, equal to the data
    a = today.loc[("almaty_city", 2016), "ict_share"]
    b = today.loc[("almaty_city", 2025), "ict_share"]
    assert table.loc["almaty_city", "reason"] == ""
    assert table.loc["almaty_city", "change"] == pytest.approx((b - a) * 100)
    assert set(table.index[table["reason"] == ""]) == set(table.index) - set(changed)


def test_harmonised_units_compare_and_moves_that_no_crosswalk_undoes_do_not(harmonised):
    # on the 16 regions of 2010-2017, East Kazakhstan of 2025 holds Abai again: comparable
    table = change_between(harmonised, "ict_share", 2016, 2025)
    assert table.loc["east_kazakhstan", "reason"] == ""
    assert not np.isnan(table.loc["east_kazakhstan", "change"])
    assert set(territory_changed(harmonised, 2016, 2025)) == {"akmola", "astana"}
    # after the move of 2017, Astana compares again
    assert set(territory_changed(harmonised, 2018, 2025)) == set()
    # Almaty city was enlarged in 2014: not compared across it
    assert "almaty_city" in territory_changed(harmonised, 2013, 2016)


# -- missing values and bases of zero or below -------------------------------------------------------

def _with(panel, code, values: dict) -> pd.DataFrame:
    edited = panel.copy()
    for key, value in values.items():
        edited.loc[key, code] = value
    return edited


@pytest.mark.slow
def test_a_value_missing_in_either_year_stays_missing(panel):
    edited = _with(panel, "grp_per_capita", {("pavlodar", 2010): np.nan,
                                             ("karaganda", 2016): np.nan})
    table = change_between(edited, "grp_per_capita", 2010, 2016)
    assert np.isnan(table.loc["pavlodar", "change"]) and np.isnan(table.loc["karaganda", "change"])
    assert table.loc["pavlodar", "reason"] == "no data in 2010"
    assert table.loc["karaganda", "reason"] == "no data in 2016"
    w = Explorer(edited, indicator="grp_per_capita", year=2016, since=2010)
    try:
        rows = {r[1]: r for r in _rows(w)}
        assert rows["Pavlodar"][2:] == ["no data", format_value(
            edited.loc[("pavlodar", 2016), "grp_per_capita"], "grp_per_capita"), "no data"]
        assert rows["Karaganda"][4] == "no data" and rows["Karaganda"][0] == "–"
        assert "no data in 2010" in _text(w._readouts["pavlodar"])
        # hatched grey like any region without a value
        classes = w.ax._itclusters_classes
        assert "pavlodar" in classes.missing and "no data" in _text(w.legend.value)
    finally:
        plt.close("all")


@pytest.mark.parametrize("code, words", [("grp_per_capita", "no % change"),
                                         ("ict_lq", "no ratio")])
def test_a_base_of_zero_or_below_gives_no_percent_or_ratio_and_says_why(panel, code, words):
    edited = _with(panel, code, {("pavlodar", 2010): 0.0, ("karaganda", 2010): -1.0
                                 if code != "ict_lq" else 0.0})
    table = change_between(edited, code, 2010, 2016)
    for rid in ("pavlodar", "karaganda"):
        assert np.isnan(table.loc[rid, "change"]), table.loc[rid]
        assert table.loc[rid, "reason"].startswith(words), table.loc[rid, "reason"]
        assert "zero or below" in table.loc[rid, "reason"]
    assert np.isfinite(table["change"].dropna()).all()
    w = Explorer(edited, indicator=code, year=2016, since=2010)
    try:
        shown = w.table.value + "".join(w._readouts.values())
        assert "inf" not in shown and "∞" not in shown and "nan" not in shown.lower()
        rows = {r[1]: r for r in _rows(w)}
        assert rows["Pavlodar"][4] == "not computed" and rows["Pavlodar"][0] == "–"
        assert "zero or below" in _text(w.table.value)
    finally:
        plt.close("all")


def test_a_difference_from_zero_is_a_number(panel):
    edited = _with(panel, "ict_share", {("pavlodar", 2010): 0.0})
    table = change_between(edited, "ict_share", 2010, 2016)
    assert table.loc["pavlodar", "change"] == pytest.approx(
        edited.loc[("pavlodar", 2016), "ict_share"] * 100)


# -- the classes: diverging, centred on no change -------------------------------------------------

def test_change_classes_are_symmetric_around_no_change(panel):
    for code, centre in (("ict_share", 0.0), ("grp_per_capita", 0.0), ("ict_lq", 1.0)):
        table = change_between(panel, code, 2010, 2016)
        edges = change_edges(table["change"], table.attrs["format"])
        assert len(edges) == 7 and edges[3] == pytest.approx(centre)
        if centre == 1.0:
            assert np.allclose(edges * edges[::-1], 1.0)  # 1/R … 1 … R
        else:
            assert np.allclose(edges, -edges[::-1])
        known = table["change"].dropna()
        assert edges[0] <= known.min() and known.max() <= edges[-1]
        classes = change_classes(table)
        # losses on one side, gains on the other
        assert all(classes.codes[r] <= 2 for r in known.index if known[r] < centre)
        assert all(classes.codes[r] >= 3 for r in known.index if known[r] > centre)


# -- the explorer's change view ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def change_view(today):
    w = Explorer(today, indicator="ict_share", year=2025, since=2016)
    yield w
    plt.close("all")


def test_the_change_view_shows_both_years_and_the_change_in_words_and_units(change_view, today):
    w = change_view
    assert _headers(w) == ["Rank", "Region", "2016", "2025", "Change, p.p."]
    assert "Change 2016 → 2025, percentage points" in _text(w.legend.value)
    assert "change 2016 → 2025" in _text(w.heading.value)
    rows = {r[1]: r for r in _rows(w)}
    a = today.loc[("almaty_city", 2016), "ict_share"]
    b = today.loc[("almaty_city", 2025), "ict_share"]
    change = (b - a) * 100
    assert rows["Almaty city"][2:] == [format_value(a, "ict_share"), format_value(b, "ict_share"),
                                       f"+{change:.2f}"]
    # losses read with the minus sign, never a hyphen
    losses = [r[4] for r in rows.values() if r[4].startswith(MINUS)]
    assert losses and not any(r[4].startswith("-") for r in rows.values())
    assert rows["Shymkent"][4] == TERRITORY_CHANGED and rows["Abai"][2] == "–"
    text = _text(w.table.value)
    assert "Territory changed, not compared:" in text
    assert "Shymkent, Turkestan (a unit with this territory only from 2018)" in text
    assert f"+{change:.2f} p.p." in _text(w._readouts["almaty_city"])


def test_the_change_views_files_hold_the_change_table_shown(change_view, today):
    """"Save table and map" in the change view saves the change, not the year's values."""
    import csv
    import io

    w = change_view
    frame = w.table_frame()
    table = change_between(today, "ict_share", 2016, 2025)
    assert list(frame["region_id"]) == [r for r in w._change_rows()[1]]  # the table's order
    row = frame.set_index("region_id").loc["almaty_city"]
    a = today.loc[("almaty_city", 2016), "ict_share"]
    b = today.loc[("almaty_city", 2025), "ict_share"]
    assert row["earlier"] == pytest.approx(a * 100) and row["later"] == pytest.approx(b * 100)
    assert row["change"] == pytest.approx((b - a) * 100) and row["rank"] == 1
    assert np.allclose(frame["change"].to_numpy(dtype=float),
                       table.loc[frame["region_id"], "change"].to_numpy(dtype=float),
                       equal_nan=True)
    shymkent = frame.set_index("region_id").loc["shymkent"]
    assert pd.isna(shymkent["change"]) and shymkent["reason"].startswith(TERRITORY_CHANGED)
    lines = list(csv.reader(io.StringIO(w.table_csv().decode("utf-8"))))
    assert lines[0][1].endswith("2016, 2025 and the change")
    header = lines[6]
    assert header[:7] == ["Rank of the change", "Region", "Region id",
                          "2016 (% of national ICT GVA)", "2025 (% of national ICT GVA)",
                          "Change (p.p.)", "Why no change"]
    first = dict(zip(header, lines[7]))
    assert first["Region"] == "Almaty city"
    assert float(first["Change (p.p.)"]) == pytest.approx((b - a) * 100)
    xlsx = pd.read_excel(io.BytesIO(w.table_xlsx()), skiprows=6, engine="openpyxl")
    assert list(xlsx.columns) == header
    assert xlsx.iloc[0]["Change (p.p.)"] == pytest.approx((b - a) * 100)


@pytest.mark.slow
def test_the_change_view_stays_across_indicators_each_in_its_kind(today):
    w = Explorer(today, indicator="ict_share", year=2025, since=2016)
    try:
        w.indicator.value = "grp_per_capita"
        assert w.since_year() == 2016
        assert "Change 2016 → 2025, % change" in _text(w.legend.value)
        assert _headers(w)[-1] == "Change, %"
        w.indicator.value = "ict_lq_grp"
        assert _headers(w)[-1] == "Change, ratio"
        a = today.loc[("almaty_city", 2016), "ict_lq_grp"]
        b = today.loc[("almaty_city", 2025), "ict_lq_grp"]
        rows = {r[1]: r for r in _rows(w)}
        assert rows["Almaty city"][4] == f"{b / a:.2f}"
    finally:
        plt.close("all")


def test_units_whose_territory_changed_are_hatched_white_and_keyed(change_view):
    w = change_view
    classes = w.ax._itclusters_classes
    ids = list(w.ax._itclusters_ids)
    assert set(classes.territory) >= {"shymkent", "abai", "astana"}
    for rid in classes.territory:
        assert rid in classes.missing  # hatched
        assert tuple(classes.facecolors[ids.index(rid)]) == to_rgba("#ffffff")
    assert TERRITORY_CHANGED in _text(w.legend.value)
    assert "almaty_city" not in classes.missing


@pytest.mark.slow
def test_back_to_no_change_restores_the_years_map_and_table(today):
    w = Explorer(today, indicator="ict_share", year=2025, since=2016)
    try:
        w.since.value = NO_CHANGE
        assert _headers(w)[:2] == ["Rank", "Region"] and len(_headers(w)) == 3
        assert "Change" not in _text(w.legend.value)
        w.since.value = 2025  # the year itself: said, and the year's values shown
        assert "needs another year than 2025" in _text(w.legend.value)
        assert len(_headers(w)) == 3
    finally:
        plt.close("all")


def test_letters_offer_no_change(panel):
    w = Explorer(panel, indicator="grade")
    try:
        assert w.since.disabled and [v for _, v in w.since.options] == [NO_CHANGE]
        assert w.since_year() is None
        w.indicator.value = "index"
        assert not w.since.disabled and 2010 in [v for _, v in w.since.options]
    finally:
        plt.close("all")


def test_a_link_names_the_change_view(today):
    assert view_from_query("indicator=ict_share&year=2025&since=2016")["since"] == 2016
    with pytest.raises(ValueError, match="since='x'"):
        view_from_query("since=x")
    w = Explorer(today, indicator="ict_share", year=2025, since=2016)
    try:
        assert "since=2016" in w.view_query()
    finally:
        plt.close("all")


# -- play -------------------------------------------------------------------------------------------

def test_play_steps_the_year_and_stops_at_the_last(panel):
    w = Explorer(panel, indicator="grp_per_capita", year=2010)
    try:
        years = list(w.year.options)
        assert w.play.interval == PLAY_MS == 1500 and w.play.repeat is False
        assert (w.play.min, w.play.max, w.play.value) == (0, len(years) - 1, 0)
        w.play.value = 3
        assert w.year.value == years[3] and f", {years[3]}" in _text(w.heading.value)
        w.year.value = years[1]  # and the other way: the play control follows the year
        assert w.play.value == 1
        # another indicator keeps the year shown, and the play control on it
        w.year.value = years[-1]
        w.indicator.value = "ict_lq"
        offered = list(w.year.options)
        assert w.year.value == years[-1] and w.play.value == offered.index(years[-1])
        assert w.play.max == len(offered) - 1
    finally:
        plt.close("all")


@pytest.mark.slow
def test_playing_fixes_the_classes_over_every_year_and_says_so(panel):
    w = Explorer(panel, indicator="grp_per_capita", year=2010, scheme="quantiles")
    try:
        before = list(w.ax._itclusters_classes.bins)
        w.play.playing = True
        assert w.fixed.value
        years = list(w.year.options)
        assert f"classes fixed over {years[0]}–{years[-1]}" in _text(w.legend.value)
        seen = []
        for step in range(len(years)):
            w.play.value = step
            seen.append(list(w.ax._itclusters_classes.bins))
        assert all(b == seen[0] for b in seen)
        assert seen[0] != before  # over all years, not 2010's own quantiles
        # the quantiles of every year's values together, as the table prints them (no decimal)
        from itclusters.maps import class_breaks

        values = pd.to_numeric(panel["grp_per_capita"], errors="coerce").dropna()
        assert seen[0] == [float(f"{b:.0f}") for b in class_breaks(values, "quantiles")[:-1]]
        # a change played from one year: one set of classes for every year too
        w.since.value = years[0]
        edges = []
        for step in range(1, len(years)):
            w.play.value = step
            edges.append(list(w.ax._itclusters_classes.bins))
        assert all(e == edges[0] for e in edges)
        assert "classes fixed over" in _text(w.legend.value)
    finally:
        plt.close("all")


@pytest.mark.slow
def test_fixed_classes_of_a_location_quotient_pool_the_years_below_one(panel):
    from itclusters.maps import class_breaks

    w = Explorer(panel, indicator="ict_lq", year=2010)
    try:
        assert w.scheme.value == "lq"
        w.fixed.value = True
        pooled = class_breaks(pd.to_numeric(panel["ict_lq"], errors="coerce").dropna(), "lq")
        for year in list(w.year.options)[:3]:
            w.year.value = year
            classes = w.ax._itclusters_classes
            assert classes.scheme == "lq" and list(classes.bins) == list(pooled)
        assert {1.0, 2.0} <= set(pooled)
        assert "quartiles of the regions" in _text(w.legend.value)
    finally:
        plt.close("all")
