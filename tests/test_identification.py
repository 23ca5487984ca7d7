import numpy as np
import pandas as pd
import pytest

from itclusters import paper_table
from itclusters.catalogue import indicator_panel
from itclusters.identification import QUADRANT_COLOURS, QUADRANTS, cluster_candidates


@pytest.mark.parametrize("measure", ["ksi", "it_share", "ict_share"])
@pytest.mark.parametrize("year", [2010, 2016])
def test_a_dash_never_reaches_a_no_it_class(year, measure):
    panel = indicator_panel()
    one = panel.xs(year, level="year")
    groups = cluster_candidates(one["index"], one[measure], index_threshold=50,
                                share_threshold=1 / 16)
    missing = one[measure].isna()
    assert groups.loc[missing[missing].index, "group"].isna().all()
    assert groups.loc[missing[~missing].index, "group"].isin(QUADRANTS).all()
    assert not any("no IT" in q or "outsider" in q for q in QUADRANTS)
    assert not groups["group"].dropna().str.contains("no IT").any()


def test_west_kazakhstan_2016_is_no_data_not_no_it():
    t2 = paper_table(2)
    assert t2.loc[("west_kazakhstan", 2015), "it_production"] == 739.0
    assert t2.loc[("west_kazakhstan", 2016), "printed"] == "—"
    t1 = paper_table(1)
    groups = cluster_candidates(t1["index"].xs(2016, level="year"),
                                t2["it_production"].xs(2016, level="year"),
                                index_threshold=50, share_threshold=100)
    assert pd.isna(groups.loc["west_kazakhstan", "group"])
    assert pd.isna(groups.loc["west_kazakhstan", "high_specialisation"])
    assert list(groups.index[-5:]) == list(groups.index[groups["group"].isna()])  # last


def test_groups_of_known_values():
    out = cluster_candidates(pd.Series({"a": 70.0, "b": 20.0, "c": 60.0, "d": 10.0, "e": np.nan}),
                             pd.Series({"a": 0.5, "b": 0.3, "c": 0.0, "d": 0.01, "e": 0.9}),
                             index_threshold=50, share_threshold=0.1)
    # a recorded zero is a value: low specialisation, not missing
    assert out["group"].fillna("<missing>").to_dict() == {
        "a": "candidate", "b": "IT, less innovative", "c": "innovative, little IT",
        "d": "neither", "e": "<missing>"}
    assert set(QUADRANT_COLOURS) == set(QUADRANTS)


def test_the_candidate_map_hatches_the_dashes_as_no_data():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from itclusters.maps import choropleth

    one = indicator_panel().xs(2016, level="year")
    groups = cluster_candidates(one["index"], one["ksi"], index_threshold=50, share_threshold=1 / 16)
    ax = choropleth(groups["group"], scheme="categories", categories=QUADRANTS,
                    colors=QUADRANT_COLOURS, credit=False)
    try:
        hatched = {p.get_gid().split(":")[1] for p in ax.patches
                   if (p.get_gid() or "").startswith("nodata:") and p.get_visible()}
        assert hatched == set(one.index[one["ksi"].isna()])
        assert "west_kazakhstan" in hatched
    finally:
        plt.close("all")
