"""Issue 21, kernel side: the explorer's definitions, colour chips, tie order, pointer and profile.

The same behaviour is checked in Chromium, in JupyterLab and Voilà, by
tests/test_browser.py; here each piece is checked on the widget's own state.
"""
import html
import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from itclusters.catalogue import INDICATORS, indicator_panel  # noqa: E402
from itclusters.presentation import FORMATS, display_name, format_value  # noqa: E402
from itclusters.regions import REGION_IDS  # noqa: E402
from itclusters.widgets import Explorer  # noqa: E402


@pytest.fixture(scope="module")
def panel():
    return indicator_panel()


@pytest.fixture
def widget(panel):
    w = Explorer(panel)
    yield w
    plt.close("all")


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _rows(w):
    body = w.table.value.split("<tbody>")[1]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in body.split("</tr>") if "<td" in row]


def _point(w, region_id, kind="mousemove"):
    x, y = w._layers.region_pixel(region_id)
    w._on_pointer({"type": kind, "dataX": x, "dataY": y})


# -- definitions in words ------------------------------------------------------------------------

@pytest.mark.parametrize("code", list(INDICATORS))
def test_every_indicator_is_defined_in_one_plain_sentence(code):
    words = INDICATORS[code].definition
    assert words and words[0].isupper() and words.endswith("."), words
    assert ". " not in words and len(words) <= 260, words  # one sentence
    # no codes, formula numbers or statistical abbreviations a non-specialist cannot read
    assert not re.search(r"formula|\(\d\)|\b[A-Z]_[A-Z]\b|section [A-Z]|FISIM|\bGVA\b|\bGRP\b|\bLQ\b",
                         words), words


@pytest.mark.parametrize("code", ["index", "ict_share", "krugman", "it_production"])
def test_the_definition_with_unit_and_source_is_under_the_pickers(widget, code):
    widget.indicator.value = code
    about = INDICATORS[code]
    shown = _text(widget.note.value)
    assert about.definition in shown
    assert f"Unit: {about.unit}." in shown and f"Source: {about.source}." in shown
    if about.note:
        assert about.note in shown
    pickers, note, _, view = widget.children
    assert list(view.children) == [widget.view, widget.link] and view.layout.display == "none"
    assert note is widget.note and widget.indicator in pickers.children


# -- colour chips and ties ----------------------------------------------------------------------

def test_every_table_row_carries_the_colour_of_its_region_on_the_map(widget):
    for code, year in (("index", 2016), ("it_production", 2013), ("ict_lq", 2016)):
        widget.indicator.value = code
        widget.year.value = year
        classes = widget.ax._itclusters_classes
        ids = widget.ax._itclusters_ids
        by_name = {display_name(r, year=year): r for r in ids}
        for _, region, _ in _rows(widget):
            rid = by_name[_text(region)]
            colour = re.search(r"background:([^;']+)", region).group(1)
            if rid in classes.missing:
                assert "repeating-linear-gradient" in colour  # the hatched "no data" key
                continue
            rgba = [float(v) for v in re.findall(r"[\d.]+", colour)]
            expected = classes.facecolors[ids.index(rid)]
            assert np.allclose(np.array(rgba[:3]) / 255, expected[:3], atol=1 / 255), rid


def test_letter_ties_are_ordered_by_name(widget, panel):
    widget.indicator.value = "grade"
    rows = [(r[0], _text(r[1]), _text(r[2]).split(" ")[0]) for r in _rows(widget)]
    letters = panel.xs(2016, level="year")["grade"]
    assert len(set(letters)) < len(letters)  # there are ties to order
    for letter in set(letters):
        tied = [(rank, name) for rank, name, shown in rows if shown == letter]
        assert [name for _, name in tied] == sorted(name for _, name in tied)
        assert len({rank for rank, _ in tied}) == 1  # one rank for a tie


def test_number_ties_share_a_rank_and_are_ordered_by_name(panel):
    tied = panel.copy()
    for rid in ("zhambyl", "akmola", "kostanay"):
        tied.loc[(rid, 2016), "grp_per_capita"] = 1000.0
    w = Explorer(tied, indicator="grp_per_capita", year=2016)
    try:
        rows = [(r[0], _text(r[1]), r[2]) for r in _rows(w)]
        at_tie = [(rank, name) for rank, name, value in rows if value == "1,000"]
        assert [name for _, name in at_tie] == ["Akmola", "Kostanay", "Zhambyl"]
        assert len({rank for rank, _ in at_tie}) == 1
    finally:
        plt.close("all")


# -- a stable layout ------------------------------------------------------------------------------

def test_the_key_sits_under_the_heading_in_a_column_as_wide_as_the_map(widget):
    _, _, body, _ = widget.children
    map_column, profile, table = body.children
    assert list(map_column.children)[:4] == [widget.heading, widget.legend, widget.map,
                                             widget.credit]
    assert list(map_column.children[4].children) == [widget.fixed, widget.save, widget.downloads]
    assert map_column.layout.width == f"{widget.css_size[0]}px"
    assert (profile, table) == (widget.profile, widget.table)
    assert profile.layout.width == "340px" and profile.layout.flex == "0 0 auto"
    assert profile.layout.max_width == "calc(100% - 32px)"  # its margin too: no sideways scroll
    # the key is one wrapping row: no fixed width that its text could change
    assert "flex-wrap:wrap" in widget.legend.value and widget.legend.layout.width is None
    before = [(c.layout.width, c.layout.flex) for c in body.children]
    for scheme in [v for _, v in widget.scheme.options]:
        widget.scheme.value = scheme
        assert [(c.layout.width, c.layout.flex) for c in body.children] == before


# -- pointing and tapping -------------------------------------------------------------------------

def test_every_region_is_found_at_its_own_pixels(widget):
    layers = widget._layers
    for rid in REGION_IDS:
        assert layers.region_at(*layers.region_pixel(rid)) == rid
    height, width = layers._shape_ids.shape
    assert layers.region_at(0, 0) is None  # the sea of white around the country
    assert layers.region_at(-1, 5) is None and layers.region_at(width, 5) is None
    with pytest.raises(KeyError, match="not on this map"):
        layers.region_pixel("shymkent")


@pytest.mark.parametrize("code, region", [("ict_share", "almaty_city"), ("it_production", "karaganda"),
                                          ("index", "astana"), ("ict_lq", "mangystau")])
def test_pointing_names_the_region_with_value_unit_rank_and_class(widget, panel, code, region):
    widget.indicator.value = code
    year = widget.year.value
    _point(widget, region)
    shown = _text(widget.readout.value)
    values = panel.xs(year, level="year")[code]
    rank = int(values.rank(ascending=False, method="min")[region])
    value = format_value(values[region], code)
    unit = INDICATORS[code].unit
    assert shown.startswith(f"{display_name(region)}: ")
    if FORMATS[code].kind == "percent":  # "50.52 % of national ICT GVA"
        assert f"{value.removesuffix(' %')} {unit}" in shown
    else:
        assert value in shown and unit in shown
    assert f"rank {rank} of {values.notna().sum()}" in shown
    classes = widget.ax._itclusters_classes
    assert f"class {classes.labels[classes.codes[region]]}" in shown
    widget._on_pointer({"type": "mouseleave"})
    assert "Point at" in widget.readout.value


def test_the_readout_follows_a_picker_change_under_a_still_pointer(widget, panel):
    _point(widget, "almaty_city")
    widget.year.value = 2010
    assert format_value(panel.loc[("almaty_city", 2010), "index"], "index") in \
        _text(widget.readout.value)


# -- the region profile ---------------------------------------------------------------------------

def test_a_click_opens_the_profile_with_every_indicator_of_the_year(widget, panel):
    assert widget.profile.layout.display == "none"  # no room taken while none is chosen
    _point(widget, "astana", "click")
    assert widget.profile.layout.display == "block"
    assert widget.region.value == "astana"
    shown = _text(widget.profile.value)
    assert shown.startswith("Astana, 2016")
    year_values = panel.xs(2016, level="year")
    for code in panel.columns:
        column = year_values[code]
        if column.isna().all():
            continue
        assert INDICATORS[code].label in shown and INDICATORS[code].unit in shown
        rank = int(column.map(lambda v: v if not isinstance(v, str) else np.nan)
                   .rank(ascending=False, method="min")["astana"]) if code != "grade" else 2
        value = column["astana"] if code == "grade" else format_value(column["astana"], code)
        assert re.search(rf"{re.escape(str(value))}\s*{rank} of {column.notna().sum()}",
                         shown.replace("\n", " ")), code
    # the chart of the indicator shown: the region's line, the median, no layout change
    assert "<svg" in widget.profile.value and "median of the regions" in shown
    assert "new layout" not in shown


def test_the_profile_stays_open_across_picker_changes(widget, panel):
    widget.region.value = "karaganda"
    widget.year.value = 2010
    widget.indicator.value = "ict_lq"
    shown = _text(widget.profile.value)
    assert shown.startswith("Karaganda, 2010") and widget.region.value == "karaganda"
    assert format_value(panel.loc[("karaganda", 2010), "ict_lq"], "ict_lq") in shown
    assert "Kazakhstan" in shown  # a location quotient's national level (1) is charted
    widget.region.value = None
    assert widget.profile.value == "" and widget.profile.layout.display == "none"


@pytest.mark.slow
def test_the_profile_marks_the_years_of_a_new_layout_and_units_not_yet_there():
    from itclusters.today import explorer_panels

    w = Explorer(panels=explorer_panels(), indicator="ict_share", year=2025)
    try:
        w.region.value = "karaganda"
        shown = _text(w.profile.value)
        assert "new layout of units from 2018, 2022" in shown
        assert "Kazakhstan" not in shown  # a share of the national total: no national line
        w.indicator.value = "grp_per_capita"  # the Republic's own value of each year
        national = w.panel.attrs["national"]["grp_per_capita"]
        assert national.notna().sum() >= 10 and "Kazakhstan" in _text(w.profile.value)
        w.region.value = "shymkent"
        w.year.value = 2016
        assert "not a unit in that year" in _text(w.profile.value)
        assert w.region.value == "shymkent"
    finally:
        plt.close("all")


# -- downloads ------------------------------------------------------------------------------------

def test_the_table_file_holds_the_tables_values_with_unit_and_source(widget, panel):
    import csv
    import io

    widget.indicator.value = "ict_share"
    rows = list(csv.reader(io.StringIO(widget.table_csv().decode("utf-8"))))
    about = INDICATORS["ict_share"]
    assert rows[:5] == [["Title", f"{about.label}, 2016"], ["Unit", about.unit],
                        ["Source", about.source], ["Definition", about.definition],
                        ["Classes", "Natural breaks on a log scale"]]
    assert rows[5] == [] and rows[6][3] == f"Value ({about.unit})"
    shown = [(_text(r[0]), _text(r[1]), _text(r[2])) for r in _rows(widget)]
    written = rows[7:]
    assert [(r[0], r[1]) for r in written] == [(rank, name) for rank, name, _ in shown]
    for (rank, name, value), row in zip(shown, written):
        # the file in the unit shown (a share in %), unrounded: rounded, it reads as the table
        assert format_value(float(row[3]) / 100, "ict_share") == value
        assert float(row[3]) == pytest.approx(100 * panel.loc[(row[2], 2016), "ict_share"])
    import pandas as pd

    book = pd.read_excel(io.BytesIO(widget.table_xlsx()), header=None, engine="openpyxl")
    assert book.iloc[1, 1] == about.unit and book.iloc[2, 1] == about.source
    assert book.iloc[7:, 1].tolist() == [name for _, name, _ in shown]


@pytest.mark.slow
def test_the_map_files_are_a_png_at_twice_the_resolution_and_an_svg(widget):
    import io
    import xml.etree.ElementTree as ET

    from PIL import Image

    from itclusters.presentation import STYLE

    widget.indicator.value = "ict_lq"
    png, svg = widget.map_files()
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    dpi = image.info.get("dpi", (0, 0))[0]
    assert round(dpi) == 2 * STYLE["figure.dpi"]
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    widget.prepare_downloads()
    links = re.findall(r"<a download='([^']+)' href='data:([^;]+);base64,", widget.downloads.value)
    assert links == [("itclusters_ict_lq_2016.csv", "text/csv"),
                     ("itclusters_ict_lq_2016.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                     ("itclusters_ict_lq_2016.png", "image/png"),
                     ("itclusters_ict_lq_2016.svg", "image/svg+xml")]
    assert widget.save.description == "Save table and map" and not widget.save.disabled
    widget.year.value = 2010  # another view: the files of the one before are withdrawn
    assert widget.downloads.value == ""


@pytest.mark.slow
def test_pointing_follows_the_map_of_another_layout():
    # notebook 09: 20 units in 2025, the 16 of 2010-2017 harmonised; each map its own pixels
    from itclusters.today import KZ16_REGIONS, explorer_panels

    w = Explorer(panels=explorer_panels(), indicator="ict_lq_grp", year=2025)
    try:
        for rid in ("shymkent", "abai", "ulytau", "almaty_city"):
            _point(w, rid)
            assert _text(w.readout.value).startswith(display_name(rid, year=2025)), rid
            assert "of 20" in _text(w.readout.value)
        w.regions.value = KZ16_REGIONS
        assert w._layers.region_at(*w._layers.region_pixel("south_kazakhstan")) == \
            "south_kazakhstan"
        _point(w, "south_kazakhstan", "click")
        assert w.region.value == "south_kazakhstan"
        assert "of 16" in _text(w.profile.value)
    finally:
        plt.close("all")


# -- the view as a link ---------------------------------------------------------------------------

def test_the_view_round_trips_through_a_query_string(widget, panel):
    from itclusters.widgets import view_from_query

    widget.indicator.value = "ict_lq"
    widget.year.value = 2010
    widget.scheme.value = "quantiles"
    widget.region.value = "astana"
    query = widget.view_query()
    assert query == "indicator=ict_lq&year=2010&classes=quantiles&region=astana"
    assert f"data-query='{query.replace('&', '&amp;')}'" in widget.view.value
    view = view_from_query("?" + query + "&voila-template=lab")  # Voilà's own keys left alone
    again = Explorer(panel, **view)
    try:
        assert (again.indicator.value, again.year.value, again.scheme.value,
                again.region.value) == ("ict_lq", 2010, "quantiles", "astana")
        assert _text(again.profile.value).startswith("Astana, 2010")
        assert again.view_query() == query
    finally:
        plt.close("all")
    with pytest.raises(ValueError, match="not a year"):
        view_from_query("year=twenty")
    with pytest.raises(ValueError, match="unknown region 'atlantis'"):
        Explorer(panel, region="atlantis")


def test_the_view_of_a_dashboard_is_read_from_its_page_address(monkeypatch):
    from itclusters.widgets import view_from_query

    monkeypatch.setenv("QUERY_STRING", "indicator=krugman&year=2012")
    assert view_from_query() == {"indicator": "krugman", "year": 2012}
    monkeypatch.delenv("QUERY_STRING")
    assert view_from_query() == {}


def test_a_query_from_the_page_shows_its_view_in_a_kernel_that_ran_before(widget, panel):
    # a preheated Voilà kernel builds the explorer before the reader's request: the page then
    # writes its address's query into the hidden text box
    widget.link.value = "indicator=ict_share&year=2012&classes=quantiles&region=atyrau"
    assert (widget.indicator.value, widget.year.value, widget.scheme.value,
            widget.region.value) == ("ict_share", 2012, "quantiles", "atyrau")
    assert _text(widget.profile.value).startswith("Atyrau, 2012")
    widget.link.value = "indicator=krugman&year=1999"
    assert widget.indicator.value == "krugman" and widget.year.value == 2012
    assert "asked for year=1999" in _text(widget.note.value)
