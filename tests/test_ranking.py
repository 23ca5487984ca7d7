import numpy as np
import pandas as pd
import pytest

from itclusters.catalogue import indicator_panel
from itclusters.ranking import extremes, join_names, largest_rank_gaps


def test_extremes_names_every_tied_label():
    values = pd.Series({"a": 2.0, "b": 7.0, "c": 7.0, "d": np.nan, "e": 1.0})
    assert extremes(values) == ["b", "c"]
    assert extremes(values, largest=False) == ["e"]
    assert extremes(pd.Series({"a": 0.1 + 0.2, "b": 0.3}), tolerance=1e-12) == ["a", "b"]
    assert extremes(pd.Series({"a": 0.1 + 0.2, "b": 0.3})) == ["a"]  # exact unless told
    assert extremes(pd.Series(dtype=float)) == []
    with pytest.raises(ValueError, match="tolerance"):
        extremes(values, tolerance=-1)


def test_largest_rank_gap_2010_is_a_tie_of_aktobe_and_north_kazakhstan():
    panel = indicator_panel()
    one = panel.xs(2010, level="year")
    gaps = largest_rank_gaps(one["ksi"], one["ict_share"])
    assert sorted(gaps.index) == ["aktobe", "north_kazakhstan"]
    assert (gaps["gap"] == 4).all()
    assert gaps.attrs["n"] == int(one["ksi"].notna().sum())
    # idxmax would have named one of them only
    ranks = one[["ksi", "ict_share"]].dropna().rank(ascending=False)
    assert (ranks["ksi"] - ranks["ict_share"]).abs().idxmax() in gaps.index


def test_largest_rank_gap_uses_only_regions_ranked_on_both():
    a = pd.Series({"x": 3.0, "y": 2.0, "z": 1.0, "w": np.nan})
    b = pd.Series({"x": 1.0, "y": 2.0, "z": 3.0, "w": 100.0})
    gaps = largest_rank_gaps(a, b)
    assert gaps.to_dict("index") == {"x": {"rank_first": 1.0, "rank_second": 3.0, "gap": 2.0},
                                     "z": {"rank_first": 3.0, "rank_second": 1.0, "gap": 2.0}}
    assert gaps.attrs["n"] == 3


def test_join_names():
    assert join_names(["Aktobe"]) == "Aktobe"
    assert join_names(["A", "B"], conjunction="or") == "A or B"
    assert join_names(["A", "B", "C"]) == "A, B and C"


@pytest.mark.slow
def test_the_today_summary_names_every_tied_extreme():
    from itclusters import today

    panel, kz16 = today.today_panel(), today.today_panel("kz16")
    year = 2016
    tied = panel.copy()
    one = tied.xs(year, level="year", drop_level=False)
    # make North-Kazakhstan's LQ equal the highest outside the poles, and Atyrau's R&D the highest
    poles = today.it_poles(panel, year)
    best = poles.loc[~poles["pole"], "ict_lq"].max()
    challenger = poles.loc[~poles["pole"]].index.difference(extremes(poles.loc[~poles["pole"], "ict_lq"]))[0]
    tied.loc[(challenger, year), "ict_lq"] = best
    rd = one["rd_intensity"].drop((today.NATIONAL, year), errors="ignore")
    top_rd = rd.max()
    other_rd = rd.index.difference(rd.index[rd == top_rd])[0]
    tied.loc[other_rd, "rd_intensity"] = top_rd
    text = today.summary(tied, kz16, year)
    lq_line = next(l for l in text.splitlines() if "highest location quotient outside" in l)
    for rid in extremes(today.it_poles(tied, year).query("not pole")["ict_lq"]):
        assert today.display_names([rid])[0] in lq_line
    assert today.display_names([challenger])[0] in lq_line
    rd_line = next(l for l in text.splitlines() if "R&D expenditure" in l)
    assert today.display_names([other_rd[0]])[0] in rd_line and " and " in rd_line.split("highest in")[1]
