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


# --- formula (1) only where it is defined (issue 15) --------------------------------------------

def test_a_negative_value_is_refused_naming_the_cell_and_the_method(raw_indicators):
    raw = raw_indicators.copy()
    raw.loc[("aktobe", 2016), "J_E"] = -3.2  # J_E as a growth rate: allowed by the metadata
    with pytest.raises(ValueError, match=r"J_E, aktobe 2016: value -3.2 is negative; .*formula 1"
                                         r".*normalise\(\.\.\., method=\"minmax\"\).*"
                                         r"metadata.loc\['J_E', \"normalisation\"\] = \"minmax\""):
        innovation_index(raw)
    with pytest.raises(ValueError, match=r"J_E, aktobe 2016: value -3.2 is negative"):
        normalise(raw)


def test_min_max_chosen_in_the_metadata_takes_a_negative_indicator(raw_indicators):
    raw = raw_indicators.copy()
    raw.loc[("aktobe", 2016), "J_E"] = -3.2
    meta = default_metadata()
    meta.loc["J_E", "normalisation"] = "minmax"
    result = innovation_index(raw, meta)
    assert result["index"].between(0, 100).all()
    by_hand = normalise(raw[["J_E"]], "minmax")["J_E"]
    assert by_hand.loc[("aktobe", 2016)] == 0.0  # the lowest value of the year
    leader = normalise(raw.drop(columns="J_E"))
    expected = (leader[["J_D", "J_F"]].sum(axis=1) + by_hand) / 3
    assert np.allclose(result["susceptibility"], expected)
    assert np.allclose(normalise(raw, {"J_E": "minmax"})["J_E"], by_hand)


def test_the_file_row_is_named_when_the_table_came_from_a_file(indicator_csv):
    from itclusters import read_indicators
    path = indicator_csv(_set_cell(9, "J_E", "-1.5"))
    raw = read_indicators(path)  # J_E may be negative: reading succeeds
    with pytest.raises(ValueError, match=rf"J_E, west_kazakhstan 2016 \({path}, row 11\): value -1.5"):
        innovation_index(raw)


def _set_cell(row, column, value):
    def mutate(table):
        table.loc[row, column] = value
        return table
    return mutate


def test_only_bounded_methods_make_an_index(raw_indicators):
    with pytest.raises(ValueError, match=r"'zscore' for J_D does not give 0-100 values"):
        innovation_index(raw_indicators, method="zscore")


# --- property-based: no index outside [0, 100] ---------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

from itclusters import REGION_IDS  # noqa: E402

_CODES = ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]
_INDEX = pd.MultiIndex.from_product([list(REGION_IDS), [2010, 2016]], names=["region_id", "year"])
_tables = arrays(np.float64, (32, 6), elements=st.one_of(
    st.floats(0, 1e12, allow_nan=False, allow_subnormal=False), st.just(0.0)))
_weights = st.lists(st.floats(0, 10, allow_nan=False, allow_subnormal=False), min_size=8,
                    max_size=8).filter(lambda w: sum(w[:3]) > 0 and sum(w[3:6]) > 0
                                       and sum(w[6:]) > 0)


#: The default index tree (each example changes its own copy).
_METADATA = default_metadata()


@pytest.mark.slow
@settings(max_examples=150)
@given(values=_tables, weights=_weights, directions=st.lists(st.sampled_from([1, -1]),
                                                            min_size=6, max_size=6),
       methods=st.lists(st.sampled_from([None, "leader", "minmax"]), min_size=6, max_size=6),
       default=st.sampled_from(["leader", "minmax"]))
def test_no_index_outside_0_100_for_any_table_and_metadata(values, weights, directions, methods,
                                                         default):
    raw = pd.DataFrame(values, index=_INDEX, columns=_CODES)
    meta = _METADATA.copy()
    meta.loc[["J_D", "J_E", "J_F", "J_A", "J_B", "J_C", "susceptibility", "activity"],
             "weight"] = weights
    meta.loc[_CODES, "direction"] = directions
    meta.loc[_CODES, "normalisation"] = methods
    try:
        result = innovation_index(raw, meta, method=default)
    except ValueError as err:  # undefined cases are refused with a reason, never computed
        assert "undefined" in str(err) or "cannot lead" in str(err), err
        return
    assert ((result >= 0) & (result <= 100)).all().all()
    assert result.notna().all().all()


@pytest.mark.slow
@given(values=arrays(np.float64, (32, 6), elements=st.floats(1e-6, 1e12, allow_nan=False)))
def test_leader_is_100_order_is_kept_and_the_index_is_the_mean_of_its_groups(values):
    raw = pd.DataFrame(values, index=_INDEX, columns=_CODES)
    norm = normalise(raw)
    result = innovation_index(raw)
    for year, block in norm.groupby(level="year"):
        assert (block.max() == 100.0).all()
        assert ((block > 0) & (block <= 100)).all().all()
        original = raw.xs(year, level="year", drop_level=False)
        for code in _CODES:  # normalising never reorders regions
            order = np.argsort(original[code].to_numpy(), kind="stable")
            assert (np.diff(block[code].to_numpy()[order]) >= 0).all()
    assert np.allclose(result["susceptibility"], norm[["J_D", "J_E", "J_F"]].mean(axis=1))
    assert np.allclose(result["activity"], norm[["J_A", "J_B", "J_C"]].mean(axis=1))
    assert np.allclose(result["index"], (result["susceptibility"] + result["activity"]) / 2)
