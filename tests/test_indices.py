import numpy as np
import pandas as pd
import pytest

from itclusters import (DEFAULT_SCALE, GradeScale, consistent_cuts, default_metadata, grade,
                        innovation_index, it_share, normalise, paper_table)
from itclusters.indices import NORMALISATIONS, aggregate


def test_leader_scores_exactly_100_each_year(raw_indicators):
    normalised = normalise(raw_indicators)
    for year, block in normalised.groupby(level="year"):
        assert (block.max() == 100.0).all()
        leaders = raw_indicators.xs(year, level="year", drop_level=False).idxmax()
        for code, leader in leaders.items():
            assert normalised.loc[leader, code] == 100.0
    assert (normalised > 0).all().all() and (normalised <= 100).all().all()


@pytest.mark.parametrize("method", list(NORMALISATIONS))
def test_scaling_an_indicator_changes_no_normalised_value(raw_indicators, method):
    scaled = raw_indicators.copy()
    scaled["J_B"] *= 1234.5
    scaled["J_E"] *= 0.001
    pd.testing.assert_frame_equal(normalise(scaled, method), normalise(raw_indicators, method),
                                  rtol=1e-12)


def test_normalisation_is_within_each_year(raw_indicators):
    doubled = raw_indicators.copy()
    doubled.loc[pd.IndexSlice[:, 2016], :] *= 2
    pd.testing.assert_frame_equal(normalise(doubled), normalise(raw_indicators))


def test_other_methods_have_their_defining_properties(raw_indicators):
    minmax = normalise(raw_indicators, "minmax").groupby(level="year")
    assert (minmax.min() == 0).all().all() and np.allclose(minmax.max(), 100)
    z = normalise(raw_indicators, "zscore").groupby(level="year")
    assert np.allclose(z.mean(), 0) and np.allclose(z.std(), 1)
    rank = normalise(raw_indicators, "rank").groupby(level="year")
    assert (rank.max() == 16).all().all() and (rank.min() == 1).all().all()


def test_unknown_method_and_undefined_leader(raw_indicators):
    with pytest.raises(ValueError, match="available: leader, minmax, zscore, rank"):
        normalise(raw_indicators, "softmax")
    zero = raw_indicators.copy()
    zero.loc[pd.IndexSlice[:, 2016], "J_C"] = 0.0
    with pytest.raises(ValueError, match=r"undefined in 2016 for J_C \(leader = 0.0\)"):
        normalise(zero)


def test_innovation_index_follows_formulas_2_to_4(raw_indicators):
    result = innovation_index(raw_indicators)
    norm = normalise(raw_indicators)
    assert list(result.columns) == ["susceptibility", "activity", "index"]
    assert np.allclose(result["susceptibility"], norm[["J_D", "J_E", "J_F"]].mean(axis=1))
    assert np.allclose(result["activity"], norm[["J_A", "J_B", "J_C"]].mean(axis=1))
    assert np.allclose(result["index"], 0.5 * result["susceptibility"] + 0.5 * result["activity"])
    assert result["index"].between(0, 100).all()
    assert result.index.equals(raw_indicators.index)


def test_metadata_weights_drive_the_aggregation(raw_indicators):
    meta = default_metadata()
    meta.loc["susceptibility", "weight"] = 1.0
    meta.loc["activity", "weight"] = 0.0
    result = innovation_index(raw_indicators, meta)
    assert np.allclose(result["index"], result["susceptibility"])
    meta = default_metadata()
    meta.loc[["J_E", "J_F"], "weight"] = 0.0
    result = innovation_index(raw_indicators, meta)
    assert np.allclose(result["susceptibility"], normalise(raw_indicators)["J_D"])


def test_missing_indicator_makes_the_group_missing(raw_indicators):
    norm = normalise(raw_indicators)
    norm.loc[("akmola", 2010), "J_A"] = np.nan
    result = aggregate(norm)
    assert np.isnan(result.loc[("akmola", 2010), "activity"])
    assert np.isnan(result.loc[("akmola", 2010), "index"])
    assert not np.isnan(result.loc[("akmola", 2010), "susceptibility"])


def test_default_scale_reproduces_all_32_published_letters():
    t1 = paper_table(1)
    letters = grade(t1["index"])
    assert len(letters) == 32
    assert (letters == t1["grade"]).all()


def test_default_scale_lies_inside_the_bands_the_letters_allow():
    t1 = paper_table(1)
    bands = consistent_cuts(t1["index"], t1["grade"])
    for cut, (above, at_most) in zip(DEFAULT_SCALE.cuts, bands.itertuples(index=False)):
        assert above < cut <= at_most


def test_a_scale_outside_the_bands_fails_to_reproduce():
    t1 = paper_table(1)
    shifted = GradeScale(cuts=(20, 30, 47, 50, 60), labels=DEFAULT_SCALE.labels)
    assert (grade(t1["index"], shifted) != t1["grade"]).any()


def test_grade_edges_and_missing():
    assert grade([19.999, 20.0, 59.99, 60.0, 100.0]).tolist() == ["C", "C+", "B+", "A", "A"]
    assert pd.isna(grade([np.nan]).iloc[0])
    with pytest.raises(ValueError, match="needs 3 labels"):
        GradeScale(cuts=(1, 2), labels=("a", "b"))


def test_it_share_sums_to_one_and_keeps_missing():
    t2 = paper_table(2)["it_production"].xs(2016, level="year")
    share = it_share(t2)
    assert share.sum() == pytest.approx(1.0)
    assert share.isna().equals(t2.isna())
    national = it_share(t2, national_total=50_000)
    assert np.allclose(national.dropna(), (t2 / 50_000).dropna())
    with pytest.raises(ValueError, match="more than the national total"):
        it_share(t2, national_total=1_000)
    with pytest.raises(ValueError, match="must be positive"):
        it_share(t2, national_total=0)
