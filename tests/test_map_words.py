"""Issue 22, item 5: maps that name what they show.

Small multiples name the cities they mark (Astana, Almaty city, Shymkent from 2018) and the
regions a notebook's text speaks of, without one name over another; LISA maps name the regions
of each significant cluster in their legend.
"""
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import itclusters as itc  # noqa: E402
from itclusters.presentation import MIN_TEXT_PT, display_name, small_text  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _labels(ax):
    return {t.get_gid().removeprefix("label:"): t for t in ax.texts
            if (t.get_gid() or "").startswith("label:")}


def test_small_multiples_name_the_cities_and_the_regions_asked_for():
    from itclusters import today

    panel = today.today_panel()
    years = [2016, 2019, 2025]
    fig = itc.small_multiples(today.for_maps("ict_lq", years, panel), years, scheme="lq",
                              units=today.TODAY_INDICATORS["ict_lq"].unit,
                              names=["karaganda", "karaganda_2022"])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    maps = [ax for ax in fig.axes if ax.get_gid() != "legend"]
    expected = {2016: {"astana", "almaty_city", "karaganda"},
                2019: {"astana", "almaty_city", "shymkent", "karaganda"},
                2025: {"astana", "almaty_city", "shymkent", "karaganda_2022"}}
    for ax, year in zip(maps, years):
        labels = _labels(ax)
        assert set(labels) == expected[year], year
        assert {t.get_text() for t in labels.values()} == \
            {display_name(r, short=True).replace(" (", "\n(") for r in expected[year]}
        boxes = [(r, t.get_window_extent(renderer)) for r, t in labels.items()]
        assert [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2)
                if ba.overlaps(bb)] == [], year
    assert small_text(fig) == []
    assert all(t.get_fontsize() >= MIN_TEXT_PT for ax in maps for t in _labels(ax).values())


def test_small_multiples_refuse_a_name_that_is_no_region():
    panel = itc.catalogue.indicator_panel()
    with pytest.raises(ValueError, match=r"unknown region ids \['karagandy_city'\]"):
        itc.small_multiples(panel["ict_lq"], [2016], scheme="lq", names=["karagandy_city"])
    with pytest.raises(ValueError, match="region ids in a list"):
        itc.small_multiples(panel["ict_lq"], [2016], scheme="lq", names="karaganda")


def test_an_indicator_grid_names_the_cities_only_by_default():
    panel = itc.catalogue.indicator_panel()
    fig = itc.indicator_grid(panel[["ict_lq", "krugman"]], 2016)
    maps = [ax for ax in fig.axes if hasattr(ax, "_itclusters_classes")]
    assert len(maps) == 2
    assert all(set(_labels(ax)) == {"astana", "almaty_city"} for ax in maps)


def test_a_lisa_map_names_the_regions_of_each_significant_cluster():
    from itclusters.spatial import CLUSTERS, cluster_map, contiguity_weights, local_moran

    panel = itc.catalogue.indicator_panel()
    values = panel["index"].xs(2016, level="year").dropna()
    frame = local_moran(values, contiguity_weights(values.index), permutations=999, seed=7)
    significant = frame[frame["cluster"] != "not significant"]
    assert len(significant) >= 1  # the published index of 2016 has a significant cluster
    ax = cluster_map(frame, alpha=0.05, title="Local Moran clusters of the index, 2016")
    legend = [t.get_text().replace("\n", " ").replace("  ", " ")
              for t in ax.get_legend().get_texts()]
    assert len(legend) == len(CLUSTERS)
    for cluster, text in zip(CLUSTERS, legend):
        members = frame.index[frame["cluster"] == cluster]
        if cluster == "not significant":
            assert text == "Not significant"
        elif len(members):
            assert text == f"{cluster.capitalize()}: " + ", ".join(display_name(r)
                                                                     for r in members)
        else:
            assert text.endswith(": none")
    assert ax.get_title(loc="left").startswith("Local Moran clusters of")
    # every region keeps the colour of its cluster, whatever its legend entry says
    classes = ax._itclusters_classes
    for rid in significant.index:
        assert classes.labels[classes.codes[rid]].lower().startswith(frame.loc[rid, "cluster"])
