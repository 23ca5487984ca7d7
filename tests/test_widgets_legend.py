"""Issue 10: the explorer's legend (HTML) reads a share as its table does, in %."""
import html
import re

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from itclusters.catalogue import indicator_panel  # noqa: E402
from itclusters.presentation import FORMATS, format_value  # noqa: E402
from itclusters.widgets import Explorer, static_explorer  # noqa: E402

from classlabels import disjoint_and_ordered, interval, reads_inside  # noqa: E402

@pytest.fixture(scope="module")
def panel():
    return indicator_panel()


def _legend(w):
    """Title lines and labels of the explorer's HTML legend, as the reader sees them."""
    title = re.search(r"<div style='color:#333;margin:[^']*'>(.*?)</div>", w.legend.value)
    # the key is one row under the map's heading: its title's parts are joined by " · "
    lines = re.split(r"<br>| · ", html.unescape(title.group(1))) if title else []
    labels = [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in
              re.findall(r"</span><span>(.*?)</span></div>", w.legend.value)]
    return lines, labels


def _header_unit(w):
    """The unit the explorer's table prints over the values (third column)."""
    cell = re.findall(r"<th[^>]*>(.*?)</th>", w.table.value)[2]
    return html.unescape(re.sub(r"<[^>]+>", "", cell))


def _assert_percent_of_edges(labels, classes, values):
    """Labels in % ("< a %", "a % – < b %", "≥ b %"), edges 100 x the class breaks, and each
    region's value as the table prints it inside its class."""
    shown = [label for label in labels if label != "no data"]
    assert len(shown) == len(classes.bins) + 1 and disjoint_and_ordered(shown), shown
    edges = sorted({e for label in shown for e in interval(label)[::2] if abs(e) != float("inf")})
    assert edges == pytest.approx(sorted(100 * classes.bins), abs=1e-9)
    assert all(label.endswith("\u202f%") for label in shown)
    for region, value in values.dropna().items():
        assert reads_inside(format_value(value, "ict_share"),
                            shown[classes.codes[region]]), (region, value)


def test_explorer_legend_shows_the_ict_share_in_percent_like_its_table(panel):
    w = Explorer(panel, indicator="ict_share", year=2016)
    try:
        for scheme in ("quantiles", "log_natural_breaks", "natural_breaks"):
            w.scheme.value = scheme
            title, labels = _legend(w)
            classes = w.ax._itclusters_classes
            assert classes.bins.max() <= 1  # classes on the fractions, labels x 100
            _assert_percent_of_edges(labels, classes, panel["ict_share"].xs(2016, level="year"))
            # the legend's unit is the table's header unit
            assert title[0] == _header_unit(w) == FORMATS["ict_share"].unit
            assert all(re.sub(r"<[^>]+>", "", cell).endswith("\u202f%") for _, _, cell in
                       [re.findall(r"<td[^>]*>(.*?)</td>", row)
                        for row in w.table.value.split("<tr>")[2:]])
        # another indicator: plain numbers again, with that table's unit
        w.indicator.value = "it_production"
        title, labels = _legend(w)
        assert not any("%" in label for label in labels)
        assert title[0] == _header_unit(w) == "million KZT"
    finally:
        plt.close("all")


@pytest.mark.slow
def test_static_explorer_of_shares_reads_percent():
    from itclusters.today import explorer_panel

    fig = static_explorer(explorer_panel(), "manufacturing_share", "quantiles",
                          years=[2010, 2016])
    try:
        (legend_ax,) = [ax for ax in fig.axes if ax.get_gid() == "legend"]
        legend = legend_ax.get_legend()
        labels = [t.get_text() for t in legend.get_texts() if t.get_text() != "no data"]
        assert labels and all(label.endswith("\u202f%") for label in labels)
        assert legend.get_title().get_text().split("\n")[0] == FORMATS["manufacturing_share"].unit
    finally:
        plt.close(fig)


@pytest.mark.slow
@pytest.mark.parametrize("code", ["index", "grade", "it_production", "ksi", "ict_lq"])
def test_every_indicator_names_one_unit_in_legend_and_table(panel, code):
    # letters too: the legend said "symbolic scale" over a table headed "Letter (band ...)"
    w = Explorer(panel, indicator=code, year=2016)
    try:
        title, _ = _legend(w)
        assert title[0] == _header_unit(w) == FORMATS[code].unit
    finally:
        plt.close("all")
