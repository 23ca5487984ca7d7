import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from itclusters.catalogue import available_years, indicator_panel  # noqa: E402
from itclusters.maps import classify  # noqa: E402
from itclusters.widgets import Explorer, explorer  # noqa: E402


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
    return [t.get_text() for t in w.ax.get_legend().get_texts()]


def _expect(w, panel, code, year, scheme):
    classes = classify(panel[code].xs(year, level="year"), scheme)
    assert np.allclose(_faces(w), classes.facecolors)
    assert _legend(w) == classes.labels + (["no data"] if classes.missing else [])


def test_starts_on_the_published_index_with_grades(widget, panel):
    assert (widget.indicator.value, widget.year.value, widget.scheme.value) == ("index", 2016, "grade")
    _expect(widget, panel, "index", 2016, "grade")
    assert widget.image.value[:4] == b"\x89PNG"


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
    assert "2013" in widget.ax.get_title(loc="left")
    assert "Table 2" in widget._credit.get_text()


def test_indicator_without_the_year_moves_to_its_latest(widget, panel):
    widget.indicator.value = "it_production"
    widget.year.value = 2013
    widget.indicator.value = "ksi"
    assert widget.year.value == 2016
    _expect(widget, panel, "ksi", 2016, "quantiles")


def test_table_lists_values_and_ranks(widget):
    html = widget.table.value
    assert html.index("almaty_city") < html.index("astana") < html.index("kyzylorda")
    assert "<th>rank</th>" in html


def test_static_form_without_a_front_end(panel):
    figure = explorer(panel, indicator="it_production", interactive=False)
    assert isinstance(figure, Figure)
    maps = [ax for ax in figure.axes if hasattr(ax, "_itclusters_classes")]
    assert len(maps) == 7  # every year of Table 2
    assert explorer(panel) is not None and isinstance(explorer(panel), Figure)  # plain process


def test_mimebundle_carries_a_static_picture(widget):
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data and "image/png" in data


def test_bad_start_values(panel):
    with pytest.raises(ValueError, match="no values for 2013"):
        Explorer(panel, indicator="index", year=2013)
    with pytest.raises(ValueError, match="unknown indicator 'gdp'"):
        Explorer(panel, indicator="gdp")


def test_a_users_own_column_is_explorable(panel):
    mine = panel[["index"]].assign(my_ratio=panel["grp_per_capita"] / 1000)
    w = Explorer(mine, indicator="my_ratio")
    assert w.scheme.value == "quantiles" and "my_ratio" in w.ax.get_title(loc="left")
    w.year.value = 2012
    _expect(w, mine, "my_ratio", 2012, "quantiles")
    plt.close("all")
