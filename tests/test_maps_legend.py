"""Issue 10: a map's legend shows an indicator as the table beside it does (shares as %).

Classes are computed on the stored values (fractions 0-1 for a share); only the legend's text
changes, so each label must read 100 x its class edges, to the decimals shown.
"""
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from itclusters.catalogue import INDICATORS, indicator_panel  # noqa: E402
from itclusters.maps import (choropleth, class_breaks, classify, indicator_grid,  # noqa: E402
                             recolour, small_multiples)
from itclusters.presentation import FORMATS, column_header, format_value  # noqa: E402

from classlabels import decimals, disjoint_and_ordered, interval, reads_inside  # noqa: E402

#: Every indicator the tables show as % and where the maps find it.
PERCENT_CODES = sorted(c for c, f in FORMATS.items() if f.kind == "percent" and c in INDICATORS)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def panels():
    from itclusters.today import NATIONAL, today_panel

    return {"article": indicator_panel(),
            "today": today_panel("kz16").drop(NATIONAL, level="region_id")}


def _values(panels, code) -> pd.Series:
    """The code's column, from the article's panel where it lives, else from today's."""
    panel = panels["article"] if code in panels["article"] else panels["today"]
    return panel[code].dropna()


def _map_years(values) -> list[int]:
    years = sorted(set(values.index.get_level_values("year")))
    return [years[0], 2016 if 2016 in years else years[-1]]


def _assert_reads_as_percent(labels, bins, code):
    """Each label reads in Eurostat's manner ("< a %", "a % – < b %", "≥ b %"), each edge
    100 x a class break at the table's decimals, and no value can read in two classes."""
    assert len(labels) == len(bins) + 1
    places = FORMATS[code].decimals
    edges = [e for label in labels for e in interval(label)[::2] if abs(e) != np.inf]
    assert all(label.count("\u202f%") == (2 if " – " in label else 1) for label in labels), labels
    for label in labels:
        assert all(decimals(n) == places for n in re.findall(r"\d[\d,.]*", label)), label
    assert sorted(set(edges)) == pytest.approx(sorted(100 * np.asarray(bins)), abs=1e-9)
    assert disjoint_and_ordered(labels), labels


def _assert_values_inside(classes, values, code):
    for region, value in values.dropna().items():
        label = classes.labels[classes.codes[region]]
        assert reads_inside(format_value(value, code), label), (region, value, label)


def _unit_line(title: str) -> str:
    return title.split("\n")[0]


def test_every_share_of_the_tables_is_among_the_map_indicators():
    assert {"ict_share", "it_share", "ksi", "manufacturing_share"} <= set(PERCENT_CODES)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["quantiles", "log_natural_breaks"])
@pytest.mark.parametrize("code", PERCENT_CODES)
def test_choropleth_legend_reads_shares_as_the_table_does(panels, code, scheme):
    values = _values(panels, code)
    year = _map_years(values)[-1]
    one_year = values.xs(year, level="year")
    if scheme == "log_natural_breaks":
        one_year = one_year[one_year > 0]
    ax = choropleth(one_year, scheme=scheme, k=5, units=INDICATORS[code].unit)
    classes = ax._itclusters_classes
    # the breaks are those of the stored fractions (within the table's last decimal of the
    # scheme's own) and the text is x 100
    assert classes.bins.max() <= 1
    step = 10.0 ** -(FORMATS[code].decimals + 2)
    scheme_breaks = class_breaks(one_year, scheme, k=5)[:-1]
    assert all(np.abs(scheme_breaks - b).min() <= step / 2 + 1e-12 for b in classes.bins)
    assert np.allclose(classes.facecolors,
                       classify(one_year.rename("plain"), scheme, k=5, fmt=code).facecolors)
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts() if t.get_text() != "no data"]
    _assert_reads_as_percent(labels, classes.bins, code)
    _assert_values_inside(classes, one_year, code)
    # the largest value reads as in the table (same unit, one decimal or more)
    assert format_value(one_year.max(), code).endswith("\u202f%")
    unit = _unit_line(legend.get_title().get_text())
    assert unit == FORMATS[code].unit and column_header(code).endswith(f"({unit})")


@pytest.mark.slow
@pytest.mark.parametrize("code", PERCENT_CODES)
def test_small_multiples_legend_reads_shares_as_the_table_does(panels, code):
    values = _values(panels, code)
    years = _map_years(values)
    fig = small_multiples(values, years, scheme="quantiles", k=5, units=INDICATORS[code].unit)
    (legend_ax,) = [ax for ax in fig.axes if ax.get_gid() == "legend"]
    legend = legend_ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts() if t.get_text() != "no data"]
    classes = [ax._itclusters_classes for ax in fig.axes if hasattr(ax, "_itclusters_classes")]
    assert all(np.array_equal(c.bins, classes[0].bins) for c in classes)  # shared classes
    _assert_reads_as_percent(labels, classes[0].bins, code)
    for c, year in zip(classes, years):
        _assert_values_inside(c, values.xs(year, level="year"), code)
    unit = _unit_line(legend.get_title().get_text())
    assert unit == FORMATS[code].unit and column_header(code).endswith(f"({unit})")


@pytest.mark.slow
def test_log_scale_small_multiples_of_the_ict_share(panels):
    share = panels["article"]["ict_share"]
    years = list(range(2010, 2017))
    fig = small_multiples(share, years, scheme="log_natural_breaks", k=5,
                          units=INDICATORS["ict_share"].unit)
    (legend_ax,) = [ax for ax in fig.axes if ax.get_gid() == "legend"]
    legend = legend_ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts() if t.get_text() != "no data"]
    classes = [ax._itclusters_classes for ax in fig.axes if hasattr(ax, "_itclusters_classes")]
    _assert_reads_as_percent(labels, classes[0].bins, "ict_share")
    for c, year in zip(classes, years):
        _assert_values_inside(c, share.xs(year, level="year"), "ict_share")
    assert legend.get_title().get_text().split("\n") == ["% of national ICT GVA",
                                                         "classes: natural breaks on a log scale"]


@pytest.mark.slow
def test_recolour_keeps_the_table_format(panels):
    share = panels["article"]["ict_share"]
    ax = choropleth(share, year=2010, units=INDICATORS["ict_share"].unit)
    recolour(ax, share, year=2016, scheme="natural_breaks", k=4)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    _assert_reads_as_percent(labels, ax._itclusters_classes.bins, "ict_share")
    _assert_values_inside(ax._itclusters_classes, share.xs(2016, level="year"), "ict_share")
    # a format given to the map (a Series with no indicator's name) outlives a recolouring
    plain = share.rename(None)
    ax = choropleth(plain, year=2010, fmt="ict_share")
    recolour(ax, plain, year=2016)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert all(label.endswith("\u202f%") for label in labels)


@pytest.mark.slow
def test_other_indicators_keep_plain_numbers_like_their_tables(panels):
    article = panels["article"]
    for code in ("index", "it_production", "ict_lq", "krugman", "labour_productivity",
                 "grp_per_capita"):
        assert FORMATS[code].kind == "number"
        ax = choropleth(article[code], year=2016, scheme="quantiles", k=4)
        labels = [t.get_text() for t in ax.get_legend().get_texts() if t.get_text() != "no data"]
        assert not any("%" in label for label in labels), (code, labels)
        # thousands separators, as in the tables
        if article[code].xs(2016, level="year").max() >= 10_000:
            assert any("," in label for label in labels), (code, labels)


def test_a_format_can_be_given_or_kept_plain(panels):
    share = panels["article"]["ict_share"].xs(2016, level="year")
    bins = [0.01, 0.02, 0.6]
    named = classify(share, "user_defined", bins=bins).labels
    # the table's 2 decimals; 0.6 only closes the top class (no share is above 60 %)
    assert named == ["< 1.00\u202f%", "1.00\u202f% – < 2.00\u202f%", "≥ 2.00\u202f%"]
    assert classify(share.rename(None), "user_defined", bins=bins, fmt="percent:2").labels == named
    assert classify(share, "user_defined", bins=bins, fmt="percent:1").labels[0] == "< 1.0\u202f%"
    # fractions on request, and for a column no table knows
    plain = ["< 0.010", "0.010 – < 0.020", "≥ 0.020"]
    assert classify(share, "user_defined", bins=bins, fmt="number:3").labels == plain
    assert classify(share.rename("my_ratio"), "user_defined", bins=bins).labels == plain


@pytest.mark.slow
def test_units_saying_fractions_are_refused_over_a_legend_in_percent(panels):
    share = panels["article"]["ict_share"]
    for units in ("share (0-1)", "share (0–1)", "share, 0 to 1"):
        with pytest.raises(ValueError, match=r"fractions 0-1.*% of national ICT GVA"):
            choropleth(share, year=2016, units=units)
        with pytest.raises(ValueError, match="fractions 0-1"):
            small_multiples(share, [2010, 2016], units=units)
    assert plt.get_fignums() == []  # refused before anything was drawn
    # fractions shown as fractions may say so; an index in % (0-100) is not a 0-1 unit
    ax = choropleth(share, year=2016, units="share (0-1)", fmt="number:3")
    assert ax.get_legend().get_title().get_text() == "share (0-1)"
    choropleth(panels["article"]["index"], year=2016, units="index, % (0-100)")


def test_a_share_already_in_percent_is_refused(panels):
    percent = panels["article"]["ict_share"] * 100  # still named ict_share
    with pytest.raises(ValueError, match=r"'almaty_city' has 50\.5.*fmt='number:2'"):
        choropleth(percent, year=2016)
    ax = choropleth(percent, year=2016, fmt="number:2")
    assert "%" not in "".join(t.get_text() for t in ax.get_legend().get_texts())


@pytest.mark.slow
def test_indicator_grid_formats_each_column_as_its_table(panels):
    frame = panels["article"][["ict_share", "krugman"]]
    fig = indicator_grid(frame, 2016, k=4)
    maps = {ax.get_title(loc="left"): ax for ax in fig.axes if hasattr(ax, "_itclusters_classes")}
    share = [t.get_text() for t in maps["ict_share"].get_legend().get_texts()]
    krugman = [t.get_text() for t in maps["krugman"].get_legend().get_texts()]
    _assert_reads_as_percent(share, maps["ict_share"]._itclusters_classes.bins, "ict_share")
    assert not any("%" in t for t in krugman)
    fig = indicator_grid(frame, 2016, k=4, formats={"ict_share": "number:3"})
    maps = [ax for ax in fig.axes if hasattr(ax, "_itclusters_classes")]
    assert not any("%" in t.get_text() for t in maps[0].get_legend().get_texts())


def test_catalogue_units_are_the_units_the_tables_and_legends_show():
    from itclusters.today import TODAY_INDICATORS

    for catalogue in (INDICATORS, TODAY_INDICATORS):
        for code, indicator in catalogue.items():
            fmt = FORMATS.get(code)
            if fmt is None:
                continue
            assert indicator.unit == fmt.unit, code
            if fmt.kind == "percent":  # shown x 100: the unit is a %, not "share (0-1)"
                assert indicator.unit.startswith("%"), code


@pytest.mark.parametrize("code, scheme", [
    ("ict_share", "quantiles"), ("ict_share", "natural_breaks"), ("ict_share", "log_natural_breaks"),
    ("it_share", "quantiles"), ("index", "quantiles"), ("it_production", "equal_interval"),
])
def test_every_region_reads_inside_its_class_as_the_table_shows_it(panels, code, scheme):
    # the legend never rounds coarser than the table: a region the table shows at 1.04 % is
    # not put in a class labelled "0.7 % – 1.0 %" (2016 quantiles of the ICT share did that)
    for year in (2010, 2016):
        values = panels["article"][code].xs(year, level="year").dropna()
        classes = classify(values, scheme)
        assert disjoint_and_ordered(classes.labels), classes.labels
        for region, value in values.items():
            label = classes.labels[classes.codes[region]]
            text = format_value(value, code)
            assert reads_inside(text, label), f"{region} {year}: table {text}, legend {label!r}"


def test_the_open_data_composites_state_the_units_their_tables_show():
    # seminar 2 and notebook 7 list these units beside tables of the same values: ICT intensity
    # is shown as "4.93 %", so its unit is a %, not "share (0-1)"
    from itclusters.catalogue import OPEN_DATA_INDICATORS, open_data_indicators
    from itclusters.presentation import format_table
    from itclusters.today import OFFICIAL_COMPOSITE

    for table in (OPEN_DATA_INDICATORS, OFFICIAL_COMPOSITE):
        for code, unit in table["unit"].items():
            if code.startswith("OD_"):
                assert unit == FORMATS[code].unit, code
                if FORMATS[code].kind == "percent":
                    assert unit.startswith("%"), code
    raw, metadata = open_data_indicators()
    assert metadata.loc["OD_ICT_INTENSITY", "unit"] == "% of the region's GVA"
    import html

    shown = html.unescape(format_table(raw.xs(2016, level="year", drop_level=False)).to_html())
    # a name, not the code; the unit on a second line
    assert "ICT (section J) share of the region's GVA <br>(% of the region's GVA)" in shown
    assert f">{format_value(raw.loc[('almaty_city', 2016), 'OD_ICT_INTENSITY'], 'percent:2')}<" \
        in shown  # 4.93 %


def test_a_smallest_value_that_would_read_as_zero_opens_the_first_class():
    # IT share 2012 runs from 0.0003 % to 72.8 %: its legend read "0.0002 % – 0.0305 %" ...
    # in four decimals beside a table in two; now the first class is "< 0.03 %", and the
    # region the table shows as "< 0.01 %" reads inside it
    share = indicator_panel()["it_share"].xs(2012, level="year").dropna()
    assert share.min() < 0.00005  # reads "0.00 %" (the table: "< 0.01 %")
    classes = classify(share, "quantiles")
    assert classes.labels[0] == "< 0.03\u202f%"
    numbers = [n for label in classes.labels for n in re.findall(r"[\d,]+\.\d+", label)]
    assert numbers and all(len(n.split(".")[1]) == FORMATS["it_share"].decimals for n in numbers)
    assert "0.00" not in numbers
    tiny = share.idxmin()
    assert format_value(share[tiny], "it_share") == "< 0.01\u202f%"
    assert reads_inside("< 0.01\u202f%", classes.labels[classes.codes[tiny]])


def test_a_log_scale_legend_never_opens_a_class_below_zero():
    # report 02 (2010 and 2016 share classes): Zhambyl's IT share in 2010, 0.0006 %, is a
    # natural-breaks class of its own on the log scale; at the tables' two decimals its upper
    # bound prints 0.00 %, and the legend read "< 0.00 %", "0.00 % – < 1.00 %" for shares that
    # are all positive. The value prints 0.00 % in the tables and lies in "< 1.00 %".
    share = pd.Series({"zhambyl": 6.04e-6, "akmola": 0.0028, "pavlodar": 0.0032,
                       "karaganda": 0.03, "astana": 0.2, "almaty_city": 0.68}, name="it_share")
    bins = [6.04e-6, 0.0100153, 0.0647023, 0.68]  # class_breaks(..., "log_natural_breaks", 4)
    classes = classify(share, "log_natural_breaks", bins=bins)
    assert classes.labels == ["< 1.00\u202f%", "1.00\u202f% – < 6.47\u202f%", "≥ 6.47\u202f%"]
    assert classes.codes[["zhambyl", "akmola", "karaganda", "almaty_city"]].tolist() == [0, 0, 1, 2]
    assert classes.bins.tolist() == pytest.approx([0.01, 0.0647])
