import numpy as np
import pandas as pd
import pytest

from itclusters import hhi, hoover_index, krugman_index, location_quotient, sector_matrix, sector_share

# Hand-worked: totals a = 10, b = 30, country = 40; IT national share = 10/40 = 0.25.
HAND = pd.DataFrame({"IT": [4.0, 6.0], "agri": [6.0, 24.0]}, index=["a", "b"])


def test_hand_worked_matrix():
    lq = location_quotient(HAND)
    assert lq.loc["a", "IT"] == pytest.approx(0.4 / 0.25)      # 1.6
    assert lq.loc["b", "IT"] == pytest.approx(0.2 / 0.25)      # 0.8
    assert lq.loc["a", "agri"] == pytest.approx(0.6 / 0.75)    # 0.8
    share = sector_share(HAND)
    assert share.loc["a", "IT"] == pytest.approx(0.4)
    k = krugman_index(HAND)
    assert k["a"] == pytest.approx(abs(0.4 - 0.25) + abs(0.6 - 0.75))  # 0.3
    k_rest = krugman_index(HAND, reference="rest")
    assert k_rest["a"] == pytest.approx(abs(0.4 - 0.2) + abs(0.6 - 0.8))  # 0.4
    assert hoover_index(HAND)["a"] == pytest.approx(0.15)
    assert hhi(HAND)["a"] == pytest.approx(0.4 ** 2 + 0.6 ** 2)


def test_krugman_bounds():
    same = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [2.0, 4.0, 6.0]}, index=list("abc"))
    assert np.allclose(krugman_index(same), 0)
    assert np.allclose(krugman_index(same, reference="rest"), 0)
    disjoint = pd.DataFrame({"x": [5.0, 0.0], "y": [0.0, 7.0]}, index=["a", "b"])
    assert np.allclose(krugman_index(disjoint, reference="rest"), 2)
    with pytest.raises(ValueError, match="unknown reference"):
        krugman_index(same, reference="world")


@pytest.mark.parametrize("sectors", ["finest", "consistent"])
@pytest.mark.parametrize("year", range(2010, 2017))
def test_defining_facts_on_official_gva(year, sectors):
    matrix = sector_matrix(year, sectors=sectors)
    assert np.allclose(sector_share(matrix).sum(), 1.0)
    lq = location_quotient(matrix)
    weights = matrix.sum(axis=1)
    assert np.allclose(lq.mul(weights, axis=0).sum() / weights.sum(), 1.0)
    k = krugman_index(matrix)
    assert ((k >= 0) & (k <= 2)).all()
    h = hhi(matrix)
    assert ((h >= 1 / matrix.shape[1]) & (h <= 1)).all()


def test_missing_or_negative_cells_are_refused():
    with pytest.raises(ValueError, match="missing cells"):
        location_quotient(HAND.assign(IT=[np.nan, 1.0]))
    with pytest.raises(ValueError, match="negative"):
        hhi(HAND.assign(IT=[-1.0, 1.0]))


def test_sector_location_quotient_and_rank_correlations():
    from itclusters.specialisation import rank_correlations, sector_location_quotient

    lq = sector_location_quotient(pd.Series({"a": 2.0, "b": 2.0, "c": np.nan}),
                                  pd.Series({"a": 10.0, "b": 30.0, "c": 5.0}))
    # national ratio 4/40 = 0.1: a = 0.2/0.1, b = (2/30)/0.1
    assert lq["a"] == pytest.approx(2.0) and lq["b"] == pytest.approx(2 / 3) and np.isnan(lq["c"])
    same = pd.DataFrame({"x": [1.0, 5.0, 3.0, np.nan], "y": [10.0, 50.0, 30.0, 7.0]})
    ranks, rho = rank_correlations(same)
    assert rho.loc["x", "y"] == pytest.approx(1.0)
    assert np.isnan(ranks.loc[3, "x"]) and ranks.loc[3, "y"] == 4


def _krugman_by_hand(gva, year, merge):
    """Krugman against the country, straight from the long table with numpy (no library)."""
    one = gva.xs(year, level="year")["value"].drop("national", level="region_id").unstack("section")
    one = one.dropna(axis=1, how="all")
    services = [c for c in "IKMNOPQRS" if c in one.columns]
    keep = [c for c in "ABCDEFGHJL"] + (["OTHER_SERVICES"] if "OTHER_SERVICES" in one else [])
    if merge:
        table = one[keep].assign(OTHER_SERVICES=one[services].sum(axis=1)) if services else one[keep]
    else:
        table = one[keep + services]
    if "FISIM" in one:
        table = table.assign(OTHER_SERVICES=table["OTHER_SERVICES"] - one["FISIM"])
    x = table.to_numpy(float)
    own = x / x.sum(axis=1, keepdims=True)
    country = x.sum(axis=0) / x.sum()
    return pd.Series(np.abs(own - country).sum(axis=1), index=table.index)


def test_consistent_krugman_equals_the_merged_computation_and_the_2014_jump_is_gone():
    from itclusters.data import gva_by_section

    gva = gva_by_section()
    means = {}
    for year in range(2010, 2017):
        consistent = krugman_index(sector_matrix(year, sectors="consistent"))
        merged = _krugman_by_hand(gva, year, merge=True).reindex(consistent.index)
        assert np.allclose(consistent, merged, rtol=0, atol=1e-12)
        finest = krugman_index(sector_matrix(year))
        split = _krugman_by_hand(gva, year, merge=False).reindex(finest.index)
        assert np.allclose(finest, split, rtol=0, atol=1e-12)
        means[year] = (consistent.mean(), finest.mean())
        if year == 2014:
            # the referee's figures: Zhambyl 0.411 with merged sections, 0.559 with split ones
            assert consistent["zhambyl"] == pytest.approx(0.411, abs=5e-4)
            assert finest["zhambyl"] == pytest.approx(0.559, abs=5e-4)
    # the mean falls from 2013 to 2014 on the consistent list; the split list alone made it rise
    assert means[2013][0] == pytest.approx(0.547, abs=5e-4)
    assert means[2014][0] == pytest.approx(0.517, abs=5e-4)
    assert means[2014][1] == pytest.approx(0.578, abs=5e-4)
    assert means[2014][0] < means[2013][0] < means[2014][1]
    # up to 2013 the two lists are the same list
    assert all(a == b for y, (a, b) in means.items() if y <= 2013)


def test_splitting_a_sector_never_lowers_krugman():
    """The defining reason for one sector list over time (triangle inequality)."""
    for year in (2014, 2015, 2016):
        finest = krugman_index(sector_matrix(year))
        consistent = krugman_index(sector_matrix(year, sectors="consistent"))
        assert (finest >= consistent - 1e-12).all()
        assert (finest > consistent + 1e-3).any()


def test_the_catalogue_krugman_series_uses_the_consistent_list():
    from itclusters.catalogue import indicator_panel

    panel = indicator_panel()
    for year in range(2010, 2017):
        expected = krugman_index(sector_matrix(year, sectors="consistent"))
        assert np.allclose(panel["krugman"].xs(year, level="year").reindex(expected.index), expected)
    means = panel["krugman"].groupby(level="year").mean()
    assert means[2014] < means[2013]  # no jump at the 2014 change of the published list
