import numpy as np
import pandas as pd
import pytest
from libpysal.weights import lat2W

from itclusters import REGION_IDS, paper_table
from itclusters import spatial
from itclusters.spatial import contiguity_weights, global_moran, local_moran, neighbour_view


def test_contiguity_of_the_16_regions():
    w = contiguity_weights()
    assert w.n == 16 and not w.islands
    assert w.neighbors["astana"] == ["akmola"]
    assert w.neighbors["almaty_city"] == ["almaty_region"]
    assert "astana" in w.neighbors["akmola"] and "almaty_city" in w.neighbors["almaty_region"]
    assert len(w.neighbors["karaganda"]) == 9
    assert sum(len(v) for v in w.neighbors.values()) == 2 * 28  # 28 shared borders, PROVENANCE


def _lattice(values):
    w = lat2W(10, 10)
    ids = list(w.id_order)
    return pd.Series(values, index=ids), w


def test_noise_field_is_near_its_expectation():
    rng = np.random.default_rng(0)
    values, w = _lattice(5.0 + rng.normal(0, 1, 100))
    result = global_moran(values, w, permutations=999, seed=1)
    assert result["EI"] == pytest.approx(-1 / 99)
    assert abs(result["I"] - result["EI"]) < 0.15
    assert result["p"] > 0.05


def test_clustered_field_is_significantly_positive():
    rng = np.random.default_rng(0)
    rows = np.repeat(np.arange(10), 10)  # a smooth north-south gradient
    values, w = _lattice(rows + rng.normal(0, 0.5, 100))
    result = global_moran(values, w, permutations=999, seed=1)
    assert result["I"] > 0.5 and result["p"] <= 0.002


def test_permutations_are_seeded():
    index = paper_table(1)["index"].xs(2016, level="year")
    a = global_moran(index, permutations=499, seed=3)
    b = global_moran(index, permutations=499, seed=3)
    assert a == b
    la = local_moran(index, permutations=499, seed=3)
    lb = local_moran(index, permutations=499, seed=3)
    pd.testing.assert_frame_equal(la, lb)
    assert set(la["cluster"]) <= {"high-high", "low-high", "low-low", "high-low", "not significant"}


def test_lag_of_an_enclave_is_its_oblast():
    index = paper_table(1)["index"].xs(2016, level="year")
    local = local_moran(index, permutations=99, seed=0)
    assert local.loc["astana", "lag"] == pytest.approx(index["akmola"])
    view = neighbour_view(index)
    assert view.loc["almaty_city", "neighbours_mean"] == pytest.approx(index["almaty_region"])
    assert view.loc["almaty_city", "ratio"] == pytest.approx(76.05 / 18.05)


def test_missing_values_are_refused_not_filled():
    ksi = paper_table(3)["ksi"].xs(2016, level="year")
    with pytest.raises(ValueError, match="no value for"):
        global_moran(ksi, contiguity_weights(), permutations=99)
    result = global_moran(ksi.dropna(), permutations=99)  # the subset of regions with values
    assert result["n"] == int(ksi.notna().sum())


def _smaller_tail(observed, simulated):
    """(min(G, R - G) + 1) / (R + 1), G = permutations at least as large as the observed."""
    simulated = np.atleast_2d(simulated)
    permutations = simulated.shape[0]
    larger = (simulated >= observed).sum(axis=0)
    return (np.minimum(larger, permutations - larger) + 1) / (permutations + 1)


def test_local_p_is_the_smaller_tail_of_the_permutations():
    import esda

    index = paper_table(1)["index"].xs(2016, level="year")
    local = local_moran(index, permutations=199, seed=5)
    w = contiguity_weights(index.index)  # the weights local_moran builds
    y, wr = spatial._aligned(index, w), spatial._row_standardised(w)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lisa = esda.Moran_Local(y, wr, permutations=199, seed=5)
    assert np.allclose(local["Ii"].to_numpy(), lisa.Is)
    expected = _smaller_tail(lisa.Is, lisa.sim)
    assert np.allclose(local["p"].to_numpy(), expected, rtol=0, atol=1e-6)
    # both tails occur among the 16 regions: the p-value is not tied to one side
    below = (lisa.sim >= lisa.Is).sum(axis=0) > 199 / 2
    assert below.any() and (~below).any()
    assert (local["p"] >= 1 / 200 - 1e-9).all() and (local["p"] <= 0.5 + 1e-9).all()


def test_global_p_is_the_smaller_tail_of_the_permutations():
    import esda

    index = paper_table(1)["index"].xs(2016, level="year")
    result = global_moran(index, permutations=199, seed=2)
    w = contiguity_weights(index.index)
    np.random.seed(2)
    moran = esda.Moran(spatial._aligned(index, w), spatial._row_standardised(w), permutations=199)
    assert result["I"] == pytest.approx(moran.I)
    assert result["p"] == pytest.approx(float(_smaller_tail(moran.I, moran.sim[:, None])[0]))
