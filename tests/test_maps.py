import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest

from classlabels import reads_inside

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from itclusters import REGION_IDS, paper_table  # noqa: E402
from itclusters.maps import (CREDIT, class_breaks, classify, choropleth, recolour,  # noqa: E402
                             save_figure, small_multiples, indicator_grid)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _regions(ax):
    return next(c for c in ax.collections if c.get_gid() == "regions")


def _legend_labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _by_gid(ax, prefix):
    return {a.get_gid().split(":", 1)[1]: a for a in ax.get_children()
            if (a.get_gid() or "").startswith(prefix)}


@pytest.mark.slow
def test_structure_of_a_map_with_missing_values():
    ksi = paper_table(3)["ksi"]
    ax = choropleth(ksi, year=2010, scheme="quantiles", k=4, title="IT share", units="share",
                    source="Table 3")
    regions = _regions(ax)
    assert len(regions.get_paths()) == 16
    classes = classify(ksi.xs(2010, level="year"), "quantiles", k=4)
    assert np.allclose(regions.get_facecolor(), classes.facecolors)
    # missing regions: grey face, hatch overlay visible, "no data" in the legend
    missing = ksi.xs(2010, level="year").isna()
    hatches = _by_gid(ax, "nodata:")
    assert {r for r, p in hatches.items() if p.get_visible()} == set(missing[missing].index)
    assert _legend_labels(ax)[-1] == "no data"
    assert len(_legend_labels(ax)) == 4 + 1
    # both cities drawn as markers carrying their class colour
    cities = _by_gid(ax, "city:")
    assert set(cities) == {"astana", "almaty_city"}
    for rid, marker in cities.items():
        assert np.allclose(marker.get_facecolor()[0], classes.facecolors[REGION_IDS.index(rid)])
    assert ax.get_title(loc="left") == "IT share"
    texts = [t.get_text() for t in ax.texts]
    assert any(CREDIT in t and "Table 3" in t for t in texts)


def test_no_data_entry_only_when_something_is_missing():
    ax = choropleth(paper_table(1)["index"], year=2016, scheme="equal_interval", k=3)
    assert "no data" not in _legend_labels(ax)
    assert not any(p.get_visible() for p in _by_gid(ax, "nodata:").values())


def test_projected_not_lon_lat():
    ax = choropleth(paper_table(1)["index"], year=2016)
    x0, x1 = ax.get_xlim()
    assert x1 - x0 > 2000  # kilometres across Kazakhstan, not ~40 degrees


@pytest.mark.slow
def test_region_labels_do_not_collide():
    ax = choropleth(paper_table(1)["index"], year=2016)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = {gid: a.get_window_extent(renderer) for gid, a in _by_gid(ax, "label:").items()}
    assert len(boxes) == 16
    overlaps = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2)
                if ba.overlaps(bb)]
    assert overlaps == []
    legend = ax.get_legend().get_window_extent(renderer)
    assert [gid for gid, box in boxes.items() if box.overlaps(legend)] == []


@pytest.mark.slow
def test_grade_scheme_has_categorical_legend():
    t1 = paper_table(1)
    ax = choropleth(t1["grade"], year=2016, scheme="grade")
    # each letter with its band of index values, and the legend says the bands are inferred
    assert _legend_labels(ax) == ["C (< 20)", "C+ (20–30)", "C++ (30–40)", "B (40–50)",
                                  "B+ (50–60)", "A (≥ 60)"]
    assert "inferred" in ax.get_legend().get_title().get_text()
    ax2 = choropleth(t1["index"], year=2016, scheme="grade")
    assert np.allclose(_regions(ax).get_facecolor(), _regions(ax2).get_facecolor())


@pytest.mark.slow
def test_shared_classes_make_years_comparable():
    production = paper_table(2)["it_production"]
    bins = class_breaks(production.loc[pd.IndexSlice[:, [2010, 2016]]], "quantiles", k=4)
    fig = small_multiples(production, [2010, 2016], scheme="quantiles", k=4)
    maps = [ax for ax in fig.axes if hasattr(ax, "_itclusters_classes")]
    assert len(maps) == 2
    # the breaks: upper bounds but the last, as the table prints them (one decimal; 495.15 is
    # stored as 495.1499... and prints "495.1")
    for ax in maps:
        assert np.allclose(ax._itclusters_classes.bins, [float(f"{b:.1f}") for b in bins[:-1]])
    # one legend for the figure, with "no data" (both years have "—" cells)
    assert all(ax.get_legend() is None for ax in maps)
    (legend_ax,) = [ax for ax in fig.axes if ax.get_gid() == "legend"]
    legend = legend_ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[-1] == "no data" and len(labels) == len(bins) + 1  # 4 classes, no data


def test_legend_labels_tell_close_edges_apart():
    ax = choropleth(pd.Series({"akmola": 0.0004, "aktobe": 0.0011, "astana": 0.5}),
                    scheme="user_defined", bins=[0.0005, 0.001, 0.6])
    labels = [t for t in _legend_labels(ax) if t != "no data"]
    assert labels == ["< 0.0005", "0.0005 – < 0.0010", "≥ 0.0010"]


@pytest.mark.slow
def test_indicator_grid_draws_one_map_per_column():
    t1 = paper_table(1)[["index", "grade"]]
    fig = indicator_grid(t1, 2016)
    assert len([ax for ax in fig.axes if hasattr(ax, "_itclusters_classes")]) == 2


@pytest.mark.slow
def test_recolour_keeps_the_artists():
    ksi = paper_table(3)["ksi"]
    ax = choropleth(ksi, year=2010)
    regions, n_children = _regions(ax), len(ax.get_children())
    before = regions.get_facecolor().copy()
    recolour(ax, ksi, year=2016)
    assert _regions(ax) is regions and len(ax.get_children()) == n_children
    assert not np.allclose(before, regions.get_facecolor())
    assert np.allclose(regions.get_facecolor(), classify(ksi.xs(2016, level="year")).facecolors)


@pytest.fixture(scope="module")
def same_map_twice():
    """The same map drawn twice, as two figures; each format's test saves both (so both have
    been saved in the same formats before, in the same order)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figures = []
    for _ in range(2):
        ax = choropleth(paper_table(1)["index"], year=2010, title="Index 2010", source="Table 1")
        plt.close(ax.figure)  # out of pyplot, which each test's end clears, ...
        FigureCanvasAgg(ax.figure)  # ... on the canvas it was drawn on
        figures.append(ax.figure)
    return figures


@pytest.mark.slow
@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_saving_is_byte_identical(tmp_path, suffix, same_map_twice):
    outputs = [save_figure(fig, tmp_path / f"map{i}.{suffix}").read_bytes()
               for i, fig in enumerate(same_map_twice)]
    assert outputs[0] == outputs[1]
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_bad_calls_fail_clearly():
    t1 = paper_table(1)
    with pytest.raises(ValueError, match="several years.*pass year="):
        choropleth(t1["index"])
    with pytest.raises(ValueError, match="no values for 2013"):
        choropleth(t1["index"], year=2013)
    with pytest.raises(ValueError, match="unknown scheme 'jenks'"):
        choropleth(t1["index"], year=2016, scheme="jenks")
    with pytest.raises(ValueError, match="needs bins"):
        choropleth(t1["index"], year=2016, scheme="user_defined")
    with pytest.raises(ValueError, match="unknown region ids"):
        choropleth(pd.Series({"atlantis": 1.0}))
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.pdf"):
        save_figure(plt.figure(), "map.jpg")


# --- issue 11.7: location quotients break at 1; issue 10.2: shares, grades, fragile letters ----

@pytest.mark.slow
def test_lq_classes_break_at_one():
    from itclusters.catalogue import indicator_panel
    from itclusters.maps import lq_classes

    lq = indicator_panel()["ict_lq"].xs(2016, level="year")
    classes = classify(lq, "lq")
    # 1 and 2 are breaks; the four classes below 1 hold (about) equal numbers of regions
    assert {1.0, 2.0} <= set(classes.bins.tolist())
    at_one = classes.labels.index("1.00 – < 2.00")
    below, above = lq[lq.round(2) < 1].index, lq[lq.round(2) >= 1].index
    assert (classes.codes[below] < at_one).all() and (classes.codes[above] >= at_one).all()
    assert classes.codes["almaty_city"] == len(classes.labels) - 1  # LQ 2.43: >= 2
    assert at_one == 4  # four classes below 1 ...
    counts = classes.codes[below].value_counts()
    # 14 regions, no class empty or above 4 (ties at the printed 0.33 share a class)
    assert len(counts) == 4 and counts.max() <= 4, counts
    # ... in oranges that lighten towards 1, purples above it
    lightness = [sum(c[:3]) for c in classes.colors]
    assert lightness[:at_one] == sorted(lightness[:at_one])
    assert classes.colors[at_one][2] > classes.colors[at_one][1]  # purple: more blue than green
    ax = choropleth(lq, scheme="lq", units="LQ")
    assert _legend_labels(ax)[:len(classes.labels)] == list(lq_classes(lq).labels)
    # a quantile map of the same values has a class straddling 1 (what this scheme fixes)
    quantile = classify(lq, "quantiles").bins
    lows, highs = np.concatenate([[lq.min()], quantile]), np.concatenate([quantile, [lq.max()]])
    assert any(lo < 1 < hi for lo, hi in zip(lows, highs))


@pytest.mark.parametrize("value, label", [
    (0.4953, "0.50 – < 1.00"),   # prints 0.50 in the table: never "< 0.50"
    (0.4949, "0.25 – < 0.50"),
    (0.9951, "1.00 – < 2.00"),   # prints 1.00
    (1.9949, "1.00 – < 2.00"),
    (1.9951, "≥ 2.00"),
    (0.2449, "< 0.25"),
    (0.0, "< 0.25"),
])
def test_an_lq_is_classed_as_the_table_shows_it(value, label):
    from itclusters.maps import lq_classes
    from itclusters.presentation import format_value

    classes = lq_classes(pd.Series({"akmola": value}), ids=["akmola"], breaks=[0.25, 0.5, 1, 2])
    assert classes.labels[classes.codes["akmola"]] == label
    assert reads_inside(format_value(value, "ict_lq"), label)


def test_lq_breaks_must_hold_one_and_two():
    from itclusters.maps import lq_classes

    with pytest.raises(ValueError, match=r"include 1 and 2.*\[0.25, 0.5, 0.9\]"):
        lq_classes(pd.Series({"akmola": 0.3}), ids=["akmola"], breaks=[0.25, 0.5, 0.9])
    with pytest.raises(ValueError, match="cannot be negative"):
        classify(pd.Series({"akmola": -0.1}), "lq", ids=["akmola"])


@pytest.mark.slow
def test_log_classes_are_not_swamped_by_the_two_cities():
    from itclusters.catalogue import indicator_panel

    share = indicator_panel()["ict_share"]
    years = list(range(2010, 2017))
    pooled = share.dropna()

    def largest_class(scheme):
        bins = class_breaks(pooled, scheme, k=5)
        return np.bincount(np.searchsorted(bins, pooled.to_numpy(), side="left")).max() / len(pooled)

    assert largest_class("natural_breaks") > 0.85  # nearly every region-year in one colour
    assert largest_class("log_natural_breaks") < 0.5
    assert class_breaks(pooled, "log_natural_breaks", k=5)[-1] == pooled.max()
    fig = small_multiples(share, years, scheme="log_natural_breaks", k=5, units="share")
    (legend_ax,) = [ax for ax in fig.axes if ax.get_gid() == "legend"]
    assert "log scale" in legend_ax.get_legend().get_title().get_text()
    maps = [ax for ax in fig.axes if hasattr(ax, "_itclusters_classes")]
    assert all(np.allclose(ax._itclusters_classes.bins, maps[0]._itclusters_classes.bins)
               for ax in maps)
    with pytest.raises(ValueError, match="positive"):
        classify(pd.Series({"akmola": 0.0, "astana": 0.2}), "log_natural_breaks", k=2)


@pytest.mark.slow
def test_fragile_letters_are_outlined_not_covered():
    ax = choropleth(paper_table(1)["grade"], year=2016, scheme="grade", flag=["akmola"])
    (mark,) = _by_gid(ax, "flag:").values()
    assert mark.get_facecolor()[3] == 0  # the class colour shows through
    assert mark.get_linewidth() >= 1.5  # an outline
    assert mark.get_hatch_linewidth() <= 1.0  # a light hatch


# --- issue 11.8: a displayed figure saves to the same bytes as a fresh one ------------------

def _krugman_map():
    from itclusters.catalogue import indicator_panel

    return choropleth(indicator_panel()["krugman"], year=2016, scheme="natural_breaks", k=4,
                      title="Krugman specialisation index, 2016",
                      units="0 = national structure, 2 = disjoint", source="BNS").figure


def _fragile_grade_map():
    return choropleth(paper_table(1)["grade"], year=2016, scheme="grade", flag=["akmola"],
                      title="Published letters, 2016", units="symbolic scale",
                      source="Kireyeva et al. (2018), Table 1").figure


def _two_maps():
    fig, axes = plt.subplots(2, 1, figsize=(9, 8.6), layout="constrained")
    for ax, year in zip(axes, (2010, 2016)):
        choropleth(paper_table(1)["grade"], year=year, scheme="grade", ax=ax, flag=["akmola"],
                   title=f"Published letters, {year}", units="symbolic scale")
    return fig


@pytest.mark.slow
@pytest.mark.parametrize("make", [_krugman_map, _fragile_grade_map, _two_maps],
                         ids=["krugman", "fragile_grades", "two_maps"])
def test_save_after_display_equals_fresh_save(tmp_path, make):
    from IPython.core.pylabtools import print_figure

    fresh = save_figure(make(), tmp_path / "fresh.png").read_bytes()
    shown = make()
    print_figure(shown, "png", bbox_inches="tight")  # what the notebook does on display
    print_figure(shown, "png", bbox_inches="tight")  # shown twice (re-run of the cell output)
    assert save_figure(shown, tmp_path / "shown.png").read_bytes() == fresh
    assert save_figure(shown, tmp_path / "again.png").read_bytes() == fresh
