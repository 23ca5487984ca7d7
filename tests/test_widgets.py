import base64
import html
import io
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from itclusters.catalogue import available_years, indicator_panel  # noqa: E402
from itclusters.maps import classify  # noqa: E402
from itclusters.widgets import _KNOWN_SCHEMES  # noqa: E402
from itclusters.presentation import TABLE_MIME, display_name, small_text  # noqa: E402
from itclusters.regions import REGION_IDS  # noqa: E402
from itclusters.widgets import LABEL_PX, PIXEL_RATIO, Explorer, explorer, png_bytes  # noqa: E402


@pytest.fixture(scope="module")
def panel():
    return indicator_panel()


@pytest.fixture
def widget(panel):
    w = Explorer(panel)
    yield w
    plt.close("all")


def _faces(w):
    return next(c for c in w.ax.collections if c.get_gid() == "regions").get_facecolor()


def _legend(w):
    """The legend's labels as the reader sees them (HTML), in order."""
    return [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in
            re.findall(r"</span><span>(.*?)</span></div>", w.legend.value)]


def _expect(w, panel, code, year, scheme):
    classes = classify(panel[code].xs(year, level="year"), scheme)
    assert np.allclose(_faces(w), classes.facecolors)
    assert _legend(w) == classes.labels + (["no data"] if classes.missing else [])


def _picture(w) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(w.image.value)).convert("RGB"))


def _rows(w):
    """The table's cells as the reader reads them (a row's colour chip is no text)."""
    body = w.table.value.split("<tbody>")[1]
    return [[re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in body.split("</tr>") if "<td" in row]


def test_starts_on_the_published_index_with_grades(widget, panel):
    assert (widget.indicator.value, widget.year.value, widget.scheme.value) == ("index", 2016, "grade")
    _expect(widget, panel, "index", 2016, "grade")
    assert widget.image.value[:4] == b"\x89PNG"
    assert "Index of innovative development (published), 2016" in widget.heading.value
    assert "geokz 1.0.2" in widget.credit.value and "Table 1" in widget.credit.value


def test_picture_has_the_maps_proportions_and_twice_its_css_pixels(widget):
    height, width, _ = _picture(widget).shape
    css_width, css_height = widget.css_size
    assert (width, height) == (PIXEL_RATIO * css_width, PIXEL_RATIO * css_height)
    (x0, x1), (y0, y1) = widget.ax.get_xlim(), widget.ax.get_ylim()
    assert width / height == pytest.approx((x1 - x0) / (y1 - y0), rel=0.01)
    # shown at its CSS width, never stretched: height follows the picture
    layout = widget.map.layout
    assert (layout.width, layout.height, layout.max_width) == (f"{css_width}px", "auto", "100%")
    assert layout.align_self == "flex-start"
    # the fills, the borders and the labels over them: one size, one grid cell, its width;
    # under them, the line shown instead of the labels where the map is too narrow for them
    for layer in (widget.overlay, widget.labels):
        assert np.asarray(Image.open(io.BytesIO(layer.value))).shape == (height, width, 4)
    pictures = [widget.image, widget.overlay, widget.labels]
    # the line naming the region under the pointer lies over the map's top corner
    assert list(widget.map.children) == [*pictures, widget.readout, widget.names_note]
    assert widget.readout.layout.grid_area == "1 / 1 / 2 / 2"
    for picture in pictures:
        assert (picture.layout.width, picture.layout.height) == ("100%", "auto")
        assert picture.layout.grid_area == "1 / 1 / 2 / 2"
    assert widget.names_note.layout.grid_area == "3 / 1 / 4 / 2"  # row 2: the readout, narrow


def test_region_labels_read_at_the_target_size(widget):
    smallest = min(t.get_fontsize() for t in widget._static_texts)
    css_px_per_point = widget.dpi / PIXEL_RATIO / 72
    assert smallest * css_px_per_point == pytest.approx(LABEL_PX)
    assert LABEL_PX >= 12  # 9 pt at 96 CSS px an inch, at the map's full width


def test_labels_give_way_to_a_line_where_the_map_is_narrower_than_drawn(widget):
    # the rule the page applies (checked in Chromium by tests/test_browser.py)
    rule = re.search(r"<style>(.*)</style>", widget.names_note.value).group(1)
    width = widget.css_size[0]
    drawn = f"itclusters-map-{width}"
    assert drawn in widget.map._dom_classes
    assert f"@container (max-width:{width - 0.5}px)" in rule
    assert f".{drawn} .itclusters-map-labels{{visibility:hidden}}" in rule
    assert "itclusters-map-labels" in widget.labels._dom_classes
    assert "names are in the table" in widget.names_note.value


def _as_shown(w) -> np.ndarray:
    """The two pictures the page stacks, decoded from the widgets' PNGs and stacked."""
    fill = Image.open(io.BytesIO(w.image.value)).convert("RGBA")
    overlay = Image.open(io.BytesIO(w.overlay.value)).convert("RGBA")
    labels = Image.open(io.BytesIO(w.labels.value)).convert("RGBA")
    return np.asarray(Image.alpha_composite(Image.alpha_composite(fill, overlay), labels))


def _plain_draw(w) -> np.ndarray:
    w._credit.set_visible(False)
    w.canvas.draw()
    return np.asarray(w.canvas.buffer_rgba()).astype(int)


@pytest.mark.slow
@pytest.mark.parametrize("changes", [{}, {"year": 2010}, {"indicator": "it_production", "year": 2013},
                                     {"indicator": "ksi", "scheme": "natural_breaks"}])
def test_picture_is_the_map_as_matplotlib_draws_it(widget, changes):
    # the fast path (a palette of fills under a fixed layer of borders and labels) against a
    # plain matplotlib drawing of the same artists; 2013 has regions without data (hatched)
    for name, value in changes.items():
        getattr(widget, name).value = value
    shown = _as_shown(widget).astype(int)
    assert (shown == widget.map_picture()).all()  # what the page stacks is the saved picture
    difference = np.abs(shown - _plain_draw(widget))
    assert difference.mean() < 0.5 and np.mean(difference.max(axis=2) > 24) < 0.002


def test_the_fill_layer_is_a_small_palette_picture(widget):
    png = widget.image.value
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P" and len(png) < 30_000
    widget.indicator.value = "it_production"
    widget.year.value = 2013  # regions without data: hatched, in a few more palette entries
    image = Image.open(io.BytesIO(widget.image.value))
    assert image.mode == "P" and len(image.getpalette()) // 3 <= 256


def test_no_text_is_drawn_twice_or_left_out(widget):
    # title, legend and credit are HTML; the picture carries only the map and its labels
    assert widget.ax.get_legend() is None
    assert widget.ax.get_title(loc="left") == ""
    labels = [t.get_text() for t in widget._static_texts]
    assert sorted(labels) == sorted(display_name(r, short=True) for r in REGION_IDS)


def test_every_picker_recolours_in_place(widget, panel):
    collection, picture = _faces(widget).copy(), widget.image.value
    axes_before = widget.ax
    widget.year.value = 2010
    _expect(widget, panel, "index", 2010, "grade")
    assert not np.allclose(collection, _faces(widget)) and widget.image.value != picture
    widget.scheme.value = "quantiles"
    _expect(widget, panel, "index", 2010, "quantiles")
    assert _legend(widget)[0] != "C"
    widget.indicator.value = "it_production"
    assert widget.year.options == tuple(available_years(panel, "it_production"))
    assert "grade" not in [v for _, v in widget.scheme.options]
    widget.year.value = 2013
    _expect(widget, panel, "it_production", 2013, "quantiles")
    assert "no data" in _legend(widget)
    widget.scheme.value = "natural_breaks"
    _expect(widget, panel, "it_production", 2013, "natural_breaks")
    assert widget.ax is axes_before and widget.figure.axes == [axes_before]
    assert "IT industrial production, 2013" in widget.heading.value
    assert "Table 2" in widget.credit.value


def test_indicator_without_the_year_moves_to_its_latest(widget, panel):
    widget.indicator.value = "it_production"
    widget.year.value = 2013
    widget.indicator.value = "ksi"
    assert widget.year.value == 2016
    _expect(widget, panel, "ksi", 2016, "quantiles")


def test_table_names_regions_formats_numbers_and_ranks(widget, panel):
    widget.indicator.value = "it_production"
    widget.year.value = 2016
    rows = _rows(widget)
    assert [r[1] for r in rows[:2]] == ["Almaty city", "Astana"]
    names = {display_name(r) for r in REGION_IDS}
    assert len(rows) == 16 and all(r[1] in names for r in rows)
    assert all(re.fullmatch(r"\d+|–", r[0]) for r in rows)
    assert [int(r[0]) for r in rows if r[0] != "–"] == sorted(int(r[0]) for r in rows if r[0] != "–")
    value = panel.loc[("almaty_city", 2016), "it_production"]
    assert rows[0][2] == f"{value:,.1f}"  # thousands separators, one decimal (million KZT)
    headers = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th[^>]*>(.*?)</th>",
                                                             widget.table.value)]
    assert headers[2] == "million KZT"  # unit in the header
    assert "IT industrial production (million KZT), 2016" in widget.table.value
    assert not re.search(r"\d[eE][+-]?\d", widget.table.value)
    assert not any(r in widget.table.value for r in REGION_IDS if "_" in r)


def test_table_shows_shares_as_percent_and_lq_with_two_decimals(widget, panel):
    widget.indicator.value = "ict_share"
    assert all(r[2].endswith("\u202f%") for r in _rows(widget) if r[2] != "no data")
    widget.indicator.value = "ict_lq"
    assert all(re.fullmatch(r"\d+\.\d\d", r[2]) for r in _rows(widget) if r[2] != "no data")


def test_letter_grades_sorted_by_value_with_their_band(widget, panel):
    widget.indicator.value = "grade"
    rows = _rows(widget)
    letters = [r[2].split(" ")[0] for r in rows]
    from itclusters.indices import DEFAULT_SCALE

    order = list(DEFAULT_SCALE.labels)
    assert [order.index(x) for x in letters] == sorted((order.index(x) for x in letters),
                                                       reverse=True)
    # each letter with its band as the legend reads it; "inferred" said once, in the caption
    assert all(html.unescape(r[2]) in _legend(widget) for r in rows)
    assert "(bands inferred)" in widget.table.value
    assert rows[0][0] == "1"


def test_location_quotients_use_the_classes_around_one(widget, panel):
    assert {"lq", "log_natural_breaks"} <= _KNOWN_SCHEMES
    widget.indicator.value = "ict_lq"
    assert widget.scheme.value == "lq"
    _expect(widget, panel, "ict_lq", widget.year.value, "lq")
    # a class starts at 1 (the national structure) and at 2, with classes below 1
    labels = _legend(widget)
    assert "1.00 – < 2.00" in labels and "≥ 2.00" in labels
    assert labels.index("1.00 – < 2.00") >= 3
    assert "1 = national" in widget.legend.value and "quartiles of the regions" in widget.legend.value
    # shares offer classes on a log scale (the two cities would swamp the others)
    widget.indicator.value = "ict_share"
    assert "log_natural_breaks" in [v for _, v in widget.scheme.options]
    widget.scheme.value = "log_natural_breaks"
    _expect(widget, panel, "ict_share", widget.year.value, "log_natural_breaks")


def test_layout_reflows(widget):
    pickers, _, body, _ = widget.children  # the last: the view as a query string, hidden
    assert pickers.layout.flex_flow == "row wrap" and body.layout.flex_flow == "row wrap"
    for picker in (widget.indicator, widget.year, widget.scheme):
        assert picker.layout.max_width == "calc(100% - 16px)"  # within the row, margin too
    assert widget.table.layout.min_width == "0" and widget.table.layout.max_width == "100%"


def test_png_bytes_round_trips():
    rng = np.random.default_rng(3)
    for channels in (3, 4):
        pixels = rng.integers(0, 256, size=(7, 5, channels), dtype=np.uint8)
        assert (np.asarray(Image.open(io.BytesIO(png_bytes(pixels)))) == pixels).all()
    with pytest.raises(ValueError, match="uint8"):
        png_bytes(np.zeros((2, 2, 3)))


@pytest.mark.slow
def test_static_form_without_a_front_end(panel):
    figure = explorer(panel, indicator="it_production", interactive=False)
    assert isinstance(figure, Figure)
    maps = [ax for ax in figure.axes if hasattr(ax, "_itclusters_classes")]
    assert len(maps) == 7  # every year of Table 2
    assert explorer(panel) is not None and isinstance(explorer(panel), Figure)  # plain process
    plt.close("all")


@pytest.mark.slow
def test_mimebundle_carries_a_static_picture(widget):
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data and "image/png" in data
    # shown at its CSS size (9 pt reads 12 CSS px, 96 px an inch) with twice its pixels, and
    # never wider than a report's page column
    picture = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    assert min(picture.info["dpi"]) >= 2 * 96
    css = bundle[1]["image/png"]["width"]
    assert css <= 900 and picture.width >= 2 * css - 1
    assert f"style='width:{css}px;max-width:100%'>" in data["text/html"]
    figure = widget.static_figure()
    assert small_text(figure) == []
    plt.close(figure)
    # an HTML report shows the maps over the table of their values, by name and year
    shown = data["text/html"]
    assert shown.startswith(f"<img src='data:image/png;base64,{data['image/png']}' alt='Maps of")
    text = re.sub(r"<[^>]+>", " ", shown.split(">", 1)[1])
    assert all(display_name(r) in text for r in REGION_IDS)
    assert not [r for r in REGION_IDS if re.search(rf"\b{r}\b", text)]
    years = available_years(widget.panel, widget.indicator.value)
    assert all(re.search(rf"<th[^>]*>{y}</th>", shown) for y in years)
    # and offers the table's numbers to download, in full precision, by name and year
    downloads = data[TABLE_MIME]
    assert set(downloads) == {"csv", "xlsx", "tex"}
    numbers = pd.read_csv(io.StringIO(downloads["csv"]), index_col="Region")
    values = widget.panel[widget.indicator.value].unstack("year")[years]
    assert list(numbers.columns) == [str(y) for y in years]
    for rid in REGION_IDS:
        np.testing.assert_array_equal(numbers.loc[display_name(rid)].to_numpy(),
                                      values.loc[rid].to_numpy(dtype=float))


def test_bad_start_values(panel):
    with pytest.raises(ValueError, match="no values for 2013"):
        Explorer(panel, indicator="index", year=2013)
    with pytest.raises(ValueError, match="unknown indicator 'gdp'"):
        Explorer(panel, indicator="gdp")


def test_a_users_own_column_is_explorable(panel):
    mine = panel[["index"]].assign(my_ratio=panel["grp_per_capita"] / 1000)
    w = Explorer(mine, indicator="my_ratio")
    assert w.scheme.value == "quantiles" and "my_ratio" in w.heading.value
    w.year.value = 2012
    _expect(w, mine, "my_ratio", 2012, "quantiles")
    assert all(re.fullmatch(r"[\d,]+\.\d+|no data", r[2]) for r in _rows(w))
    plt.close("all")


# -- the "Regions" picker: each year's own layout or one harmonised layout --------------------
@pytest.fixture(scope="module")
def today_panels():
    from itclusters.today import explorer_panels

    return explorer_panels()


def _region_count(w) -> int:
    return len(next(c for c in w.ax.collections if c.get_gid() == "regions").get_paths())


def test_no_regions_picker_without_panels(widget):
    assert widget.regions is None and widget.panels is None
    pickers = widget.children[0].children
    # and the Region picker, which opens a region's profile; the play control (no words: a
    # play button) beside the year, and the change since another year
    assert [p.description for p in pickers] == ["Indicator", "Year", "", "Classes",
                                                "Change since", "Region"]


@pytest.mark.slow
def test_regions_picker_swaps_layout_keeping_indicator_and_year(today_panels):
    from itclusters.today import KZ16_REGIONS, KZ17_REGIONS, OWN_REGIONS

    own, kz16 = today_panels[OWN_REGIONS], today_panels[KZ16_REGIONS]
    # each year's own layout first
    assert list(today_panels) == [OWN_REGIONS, KZ17_REGIONS, KZ16_REGIONS]
    w = Explorer(panels=today_panels, indicator="ict_lq_grp", year=2019)
    assert w.regions.value == OWN_REGIONS and w.panel is own
    assert w.regions in w.children[0].children
    assert (w.regions.layout.margin, w.regions.layout.max_width) == ("0 16px 4px 0", "calc(100% - 16px)")
    assert list(w.regions.options) == [OWN_REGIONS, KZ17_REGIONS, KZ16_REGIONS]

    w.regions.value = KZ16_REGIONS
    assert w.panel is kz16
    assert (w.indicator.value, w.year.value) == ("ict_lq_grp", 2019)
    assert _region_count(w) == 16 and len(_rows(w)) == 16
    names = [r[1] for r in _rows(w)]
    # 2019 on the 16 units: the merged unit is named for what it holds
    assert display_name("shymkent") not in names
    assert "South-Kazakhstan (Turkestan + Shymkent)" in names
    assert list(w.year.options) == available_years(kz16, "ict_lq_grp")

    w.regions.value = OWN_REGIONS
    assert w.panel is own and (w.indicator.value, w.year.value) == ("ict_lq_grp", 2019)
    assert _region_count(w) == 17 and len(_rows(w)) == 17
    names = [r[1] for r in _rows(w)]
    assert display_name("shymkent") in names and "South-Kazakhstan" not in names
    # the colours are 2019's own-layout classes, and the table names every region
    values = own["ict_lq_grp"].xs(2019, level="year")
    assert np.allclose(_faces(w), classify(values, w.scheme.value,
                                           ids=w.ax._itclusters_ids).facecolors)
    ids = set(values.index)
    assert not [n for n in names if n in ids]
    assert "2019" in w.heading.value
    plt.close("all")


def test_regions_picker_starts_on_the_panel_given(today_panels):
    from itclusters.today import KZ16_REGIONS

    w = Explorer(today_panels[KZ16_REGIONS], panels=today_panels, indicator="ict_share", year=2019)
    assert w.regions.value == KZ16_REGIONS and _region_count(w) == 16
    with pytest.raises(ValueError, match="not one of panels"):
        Explorer(today_panels[KZ16_REGIONS].copy(), panels=today_panels, indicator="ict_share")
    plt.close("all")


@pytest.mark.slow
def test_static_form_of_panels_is_the_first_for_the_years_given(today_panels):
    figure = explorer(panels=today_panels, indicator="ict_lq_grp", interactive=False,
                      static_years=[2010, 2016, 2019])
    maps = [ax for ax in figure.axes if hasattr(ax, "_itclusters_classes")]
    assert [ax.get_title(loc="left") or ax.get_title() for ax in maps] == ["2010", "2016", "2019"]
    with pytest.raises(ValueError, match="no values for 2009"):
        explorer(panels=today_panels, indicator="ict_lq_grp", interactive=False,
                 static_years=[2009])
    plt.close("all")


@pytest.mark.slow
def test_every_location_quotient_defaults_to_classes_around_one():
    from itclusters.today import explorer_panel
    from itclusters.widgets import _default_scheme, static_explorer

    panel = explorer_panel()
    assert _default_scheme(panel, "ict_lq_grp") == "lq"
    fig = static_explorer(panel, "ict_lq_grp", years=[2010, 2025])
    labels = [t.get_text() for leg in fig.legends + [a.get_legend() for a in fig.axes]
              if leg is not None for t in leg.get_texts()]
    assert "1.00 – < 2.00" in labels and labels.index("1.00 – < 2.00") >= 3, labels
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_the_new_picture_goes_out_before_the_pickers_follow(widget, monkeypatch):
    # the page handles the kernel's messages in order: on a change of indicator, the years and
    # classes it offers (and the note) are sent after the new picture, not before it
    import ipywidgets

    sent = []
    real = ipywidgets.Widget._send

    def record(self, msg, buffers=None):
        sent.append(self)
        return real(self, msg, buffers)

    monkeypatch.setattr(ipywidgets.Widget, "_send", record)
    widget.indicator.value = "it_production"  # other years, other classes
    later = [widget.year, widget.scheme, widget.heading, widget.legend, widget.table]
    assert widget.image in sent and all(w in sent for w in later)
    assert all(sent.index(widget.image) < sent.index(w) for w in later)
    # same regions: the borders and labels stay
    assert widget.overlay not in sent and widget.labels not in sent


@pytest.mark.slow
def test_the_overlay_is_sent_again_only_for_other_regions():
    from itclusters.today import explorer_panels

    panels = explorer_panels()
    w = Explorer(panels=panels, indicator="ict_share", year=2016)
    overlay, labels = w.overlay.value, w.labels.value
    w.year.value = 2015
    assert (w.overlay.value, w.labels.value) == (overlay, labels)
    w.year.value = 2019  # 17 units with Shymkent: another map, drawn once
    assert w.overlay.value != overlay and w.labels.value != labels
    assert (_as_shown(w) == w.map_picture()).all()
    difference = np.abs(_as_shown(w).astype(int) - _plain_draw(w))
    assert difference.mean() < 0.5 and np.mean(difference.max(axis=2) > 24) < 0.002
    plt.close("all")


@pytest.mark.slow
def test_a_year_not_offered_gives_way_to_the_nearest():
    from itclusters.today import explorer_panels

    panels = explorer_panels()
    own, kz17, kz16 = list(panels)
    w = Explorer(panels=panels, panel=panels[kz16], indicator="ict_growth", year=2011)
    try:
        assert w.regions.value == kz16 and w.year.value == 2011
        w.regions.value = kz17  # the 17 units begin in 2018: 2011 gives way to 2018 (growth
        assert 2011 not in w.year.options and w.year.value == 2018  # from the 2017 back-casts)
        w.regions.value = own
        w.year.value = 2011
        w.indicator.value = "ict_share"  # offered from 2010: 2011 stays
        assert w.year.value == 2011
    finally:
        plt.close("all")
