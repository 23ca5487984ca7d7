"""Issue 10: the explorer's legend (HTML) reads a share as its table does, in %."""
import html
import re

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from itclusters.catalogue import indicator_panel  # noqa: E402
from itclusters.presentation import FORMATS  # noqa: E402
from itclusters.widgets import Explorer, static_explorer  # noqa: E402

_LABEL = re.compile(r"(?P<lo>[\d,.]+)\u2009% – (?P<hi>[\d,.]+)\u2009%")


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


def _assert_percent_of_edges(labels, classes, lowest):
    edges = [lowest, *classes.bins]
    shown = [label for label in labels if label != "no data"]
    assert len(shown) == len(classes.bins)
    for i, label in enumerate(shown):
        match = _LABEL.fullmatch(label)
        assert match, f"{label!r} does not read as a percentage"
        for text, edge in ((match["lo"], edges[i]), (match["hi"], edges[i + 1])):
            decimals = len(text.split(".")[1]) if "." in text else 0
            assert abs(float(text.replace(",", "")) - 100 * edge) <= 0.5 * 10 ** -decimals + 1e-9


def test_explorer_legend_shows_the_ict_share_in_percent_like_its_table(panel):
    w = Explorer(panel, indicator="ict_share", year=2016)
    try:
        for scheme in ("quantiles", "log_natural_breaks", "natural_breaks"):
            w.scheme.value = scheme
            title, labels = _legend(w)
            classes = w.ax._itclusters_classes
            assert classes.bins.max() <= 1  # classes on the fractions, labels x 100
            _assert_percent_of_edges(labels, classes,
                                     float(panel["ict_share"].xs(2016, level="year").min()))
            # the legend's unit is the table's header unit
            assert title[0] == _header_unit(w) == FORMATS["ict_share"].unit
            assert all(re.sub(r"<[^>]+>", "", cell).endswith("\u2009%") for _, _, cell in
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
        assert labels and all(label.endswith("\u2009%") for label in labels)
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
