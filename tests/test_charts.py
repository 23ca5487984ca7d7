import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from itclusters import paper_table  # noqa: E402
from itclusters.charts import candidate_scatter, rank_slope  # noqa: E402
from itclusters.identification import cluster_candidates  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_candidate_scatter_marks_candidates_and_outsiders():
    groups = cluster_candidates(paper_table(1)["index"].xs(2016, level="year"),
                                paper_table(3)["ksi"].xs(2016, level="year"),
                                index_threshold=50, share_threshold=1 / 16)
    ax = candidate_scatter(groups, index_threshold=50, share_threshold=1 / 16)
    gids = {c.get_gid(): c for c in ax.collections}
    candidates, others, no_it = gids["candidates"], gids["known"], gids["no_it"]
    assert len(candidates.get_offsets()) == 2  # Almaty city and Astana
    assert len(others.get_offsets()) == 9 and len(no_it.get_offsets()) == 5
    assert (np.asarray(no_it.get_offsets())[:, 1] < 0).all()  # the strip below zero
    # candidates differ in shape as well as colour (not red against green)
    assert candidates.get_paths()[0] is not others.get_paths()[0]
    assert not np.allclose(candidates.get_facecolors()[0], others.get_facecolors()[0])
    # a colour legend, and each threshold line labelled with its value
    from itclusters.identification import QUADRANT_COLOURS

    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["candidate: both thresholds reached", "IT, less innovative", "neither",
                      "no data (missing, not zero)"]  # no region is innovative with little IT
    # one palette with the map of the groups (notebook 03): each point in its group's colour
    assert np.allclose(candidates.get_facecolors()[0], to_rgba(QUADRANT_COLOURS["candidate"]))
    expected = [to_rgba(QUADRANT_COLOURS[g]) for g in groups.loc[
        groups["specialisation"].notna() & (groups["group"] != "candidate"), "group"]]
    assert np.allclose(others.get_facecolors(), expected)
    labels = {t.get_gid(): t.get_text() for t in ax.texts}
    assert labels["label:index_threshold"] == "index threshold 50"
    assert labels["label:share_threshold"] == "share threshold 6.25\u202f%"
    assert labels["label:almaty_city"] == "Almaty city"


#: {(year, measure): {gid: position}} of the labels of the scatters drawn by the test below
#: (each takes seconds to place its labels): the test after it compares one with a slow clock's
_PLACED: dict = {}


@pytest.mark.slow
def test_candidate_scatter_labels_do_not_overlap():
    import itertools

    from itclusters.catalogue import indicator_panel

    panel = indicator_panel()
    for year, measure in [(2016, "ksi"), (2010, "ksi"), (2016, "ict_share"), (2010, "it_share"),
                          (2016, "it_share")]:
        groups = cluster_candidates(panel["index"].xs(year, level="year"),
                                    panel[measure].xs(year, level="year"),
                                    index_threshold=50, share_threshold=1 / 16)
        ax = candidate_scatter(groups, index_threshold=50, share_threshold=1 / 16)
        _PLACED[year, measure] = {t.get_gid(): t.get_position() for t in ax.texts}
        fig = ax.figure
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = {t.get_gid(): t.get_window_extent(renderer) for t in ax.texts
                 if t.get_gid().startswith("label:")}
        assert len(boxes) == 16 + 2
        overlaps = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2)
                    if ba.overlaps(bb)]
        assert overlaps == [], (year, measure)
        # no region's name reads across a threshold line (2016: "Atyrau", index 46.5, ran
        # across the line at 50)
        lines = {line.get_gid(): line.get_window_extent(renderer) for line in ax.lines}
        at_x, at_y = lines["index_threshold"].x0, lines["share_threshold"].y0
        across = [gid for gid, box in boxes.items() if not gid.endswith("_threshold")
                  and (box.x0 < at_x < box.x1 or box.y0 < at_y < box.y1)]
        assert across == [], (year, measure)
        plt.close(fig)


def test_rank_slope_joins_regions_ranked_in_both_years():
    t2 = paper_table(2)["it_production"]
    ax = rank_slope(t2.xs(2010, level="year"), t2.xs(2016, level="year"))
    lines = [l for l in ax.lines if (l.get_gid() or "").startswith("slope:")]
    both = t2.xs(2010, level="year").notna() & t2.xs(2016, level="year").notna()
    assert len(lines) == int(both.sum())
    almaty = next(l for l in lines if l.get_gid() == "slope:almaty_city")
    assert list(almaty.get_ydata()) == [1, 1]


@pytest.mark.slow
def test_scatter_labels_are_placed_the_same_on_a_busy_machine(monkeypatch):
    # adjustText stops after 1 s by default: on a busy machine it stopped early and 2010's
    # labels overlapped (CI failed once so).  A clock that runs 20 ms a step stands in for a
    # slow machine; the placement must not change.
    import adjustText

    from itclusters.catalogue import indicator_panel

    panel = indicator_panel()
    groups = cluster_candidates(panel["index"].xs(2010, level="year"),
                                panel["ksi"].xs(2010, level="year"),
                                index_threshold=50, share_threshold=1 / 16)

    def placed():
        ax = candidate_scatter(groups, index_threshold=50, share_threshold=1 / 16)
        positions = {t.get_gid(): t.get_position() for t in ax.texts}
        plt.close(ax.figure)
        return positions

    quick = _PLACED.get((2010, "ksi")) or placed()  # as drawn by the test above, if it ran
    clock = iter(range(10**9))
    monkeypatch.setattr(adjustText, "timer", lambda: next(clock) * 0.02)
    assert placed() == quick


def test_over_years_highlights_the_cities_and_leaves_gaps_for_missing_years():
    from itclusters.catalogue import indicator_panel
    from itclusters.charts import over_years

    lq = indicator_panel()["ict_lq"].dropna()
    gappy = lq.drop(("astana", 2013))
    ax = over_years(gappy, reference=1, log=True, title="LQ")
    lines = {line.get_gid(): line for line in ax.get_lines() if line.get_gid()}
    assert set(lines) == {f"line:{r}" for r in lq.index.get_level_values("region_id").unique()}
    astana = lines["line:astana"].get_ydata()
    years = list(lines["line:astana"].get_xdata())
    assert np.isnan(astana[years.index(2013)])  # a gap, not a line drawn across the year
    assert astana[years.index(2016)] == lq[("astana", 2016)]
    names = {t.get_gid(): t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("label:")}
    assert names == {"label:astana": "Astana", "label:almaty_city": "Almaty city"}
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_gid() in names]
    assert not boxes[0].overlaps(boxes[1])  # LQ 2.6 and 2.3 in 2016: close, spread apart
    assert any(t.get_text() == "national" for t in ax.texts)
    assert [t.get_text() for t in ax.get_yticklabels()][:4] == ["0.2", "0.3", "0.5", "1"]
    plt.close(ax.figure)


def test_rank_slope_says_which_regions_are_ranked_in_one_year_only():
    # report 02: West-Kaz. has IT output in 2010 only and South-Kaz. in 2016 only; their labels
    # stood alone, without a line or a word of why
    it = pd.Series({"almaty_city": 0.5, "astana": 0.2, "west_kazakhstan": 0.01, "akmola": 0.02})
    later = pd.Series({"almaty_city": 0.4, "astana": 0.3, "south_kazakhstan": 0.05,
                       "akmola": 0.01})
    ax = rank_slope(it, later, labels=("2010", "2016"))
    hollow = {l.get_gid(): (l.get_xdata()[0], l.get_ydata()[0]) for l in ax.lines
              if (l.get_gid() or "").startswith("alone:")}
    assert hollow == {"alone:west_kazakhstan": (0, 4), "alone:south_kazakhstan": (1, 3)}
    note = " ".join(ax.get_xlabel().split())
    assert note == ("Hollow dot, no line: ranked in one year only — South-Kaz. (none in 2010), "
                    "West-Kaz. (none in 2016).")
    joined = rank_slope(it, it)
    assert joined.get_xlabel() == ""  # every region in both years: no note
    plt.close("all")
