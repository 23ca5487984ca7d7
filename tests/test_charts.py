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
    known = next(c for c in ax.collections if c.get_gid() == "known")
    no_it = next(c for c in ax.collections if c.get_gid() == "no_it")
    assert len(known.get_offsets()) == 11 and len(no_it.get_offsets()) == 5
    red = np.all(np.isclose(known.get_facecolors(), to_rgba("tab:red")), axis=1)
    assert red.sum() == 2  # Almaty city and Astana
    assert (np.asarray(no_it.get_offsets())[:, 1] < 0).all()  # the strip below zero


def test_rank_slope_joins_regions_ranked_in_both_years():
    t2 = paper_table(2)["it_production"]
    ax = rank_slope(t2.xs(2010, level="year"), t2.xs(2016, level="year"))
    lines = [l for l in ax.lines if (l.get_gid() or "").startswith("slope:")]
    both = t2.xs(2010, level="year").notna() & t2.xs(2016, level="year").notna()
    assert len(lines) == int(both.sum())
    almaty = next(l for l in lines if l.get_gid() == "slope:almaty_city")
    assert list(almaty.get_ydata()) == [1, 1]
