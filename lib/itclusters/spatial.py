"""Do the growth poles sit among strong neighbours?  Spatial autocorrelation with PySAL.

Contiguity weights for the 16 regions (queen: sharing a border or a corner).  Astana and
Almaty city are enclaves: each touches only the oblast around it (Akmola, Almaty region), so
each has exactly one neighbour, and each counts once among that oblast's neighbours.  With
row-standardised weights an enclave's spatial lag is simply its oblast's value.

Sixteen units give little statistical power: permutation p-values cannot go below
1 / (permutations + 1), a handful of regions decides the global statistic, and local
statistics of regions with one or two neighbours rest on one or two values.  Read the
results as description, not as tests of a hypothesis about a larger population.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

__all__ = ["contiguity_weights", "global_moran", "local_moran", "neighbour_view"]

_QUADRANTS = {1: "high-high", 2: "low-high", 3: "low-low", 4: "high-low"}


def contiguity_weights(ids=None):
    """Queen contiguity weights of the 16 regions (libpysal ``W``, ids = region ids).

    >>> w = contiguity_weights()
    >>> w.neighbors["astana"], w.neighbors["almaty_city"], w.n
    (['akmola'], ['almaty_region'], 16)
    """
    import libpysal

    from .data import boundaries

    gdf = boundaries()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(island|disconnected).*")
        w = libpysal.weights.Queen.from_dataframe(gdf, use_index=True)
    if ids is not None:
        ids = list(ids)
        w = libpysal.weights.w_subset(w, ids)
    return w


def _aligned(values: pd.Series, w) -> np.ndarray:
    series = pd.Series(values).astype(float)
    missing = [i for i in w.id_order if i not in series.index or pd.isna(series.get(i))]
    if missing:
        raise ValueError(f"no value for {missing}: pass the weights of the regions with values, "
                         f"contiguity_weights(ids=values.dropna().index); missing values are "
                         f"never filled in")
    return series.reindex(w.id_order).to_numpy()


def _row_standardised(w):
    import libpysal

    copy = libpysal.weights.W(w.neighbors, w.weights, id_order=w.id_order, silence_warnings=True)
    copy.transform = "r"
    return copy


def global_moran(values: pd.Series, w=None, *, permutations: int = 9999, seed: int = 0) -> dict:
    """Global Moran's I with a seeded permutation test (row-standardised weights).

    Returns ``I``, its expectation under no autocorrelation ``EI`` = -1/(n-1), ``z`` (under
    the permutation distribution), ``p`` and ``n``.  ``p`` is esda's pseudo p-value
    ``p_sim``: with R permutations of which G give a statistic at least as large as the
    observed I, ``p = (min(G, R - G) + 1) / (R + 1)``, the smaller of the two tails, picked
    after seeing the data (so about half a two-sided p-value).
    """
    import esda

    w = contiguity_weights(values.dropna().index) if w is None else w
    y = _aligned(values, w)
    state = np.random.get_state()
    np.random.seed(seed)  # esda.Moran draws its permutations from numpy's global generator
    try:
        moran = esda.Moran(y, _row_standardised(w), permutations=permutations)
    finally:
        np.random.set_state(state)
    return {"I": float(moran.I), "EI": float(moran.EI), "z": float(moran.z_sim),
            "p": float(moran.p_sim), "n": int(w.n), "permutations": permutations}


def local_moran(values: pd.Series, w=None, *, permutations: int = 9999, seed: int = 0,
                alpha: float = 0.05) -> pd.DataFrame:
    """Local Moran's I (LISA) per region, with seeded conditional permutations.

    Columns: ``value``, ``lag`` (neighbours' mean), ``Ii``, ``p``, ``quadrant`` (high-high,
    low-high, low-low, high-low relative to the mean) and ``cluster`` (the quadrant where
    ``p < alpha``, else "not significant").

    ``p`` is esda's conditional-permutation pseudo p-value (``Moran_Local.p_sim``, its
    "directed" alternative): with R permutations of which G give a local statistic at least
    as large as the observed ``Ii``, ``p = (min(G, R - G) + 1) / (R + 1)``.  That is the
    smaller of the two tails, chosen after seeing the data, whichever side ``Ii`` falls on;
    it is about half a two-sided p-value, so ``p < alpha`` overstates significance, which
    esda's own documentation warns about.  Its floor is ``1 / (R + 1)``.
    """
    import esda

    w = contiguity_weights(values.dropna().index) if w is None else w
    y = _aligned(values, w)
    wr = _row_standardised(w)
    with warnings.catch_warnings():
        # esda announces a future change of its default alternative; this function keeps the
        # current "directed" pseudo p-value (the smaller tail) and says so in its docstring
        warnings.filterwarnings("ignore", message="The alternative hypothesis", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*[Nn]umba.*")
        lisa = esda.Moran_Local(y, wr, permutations=permutations, seed=seed)
    frame = pd.DataFrame({
        "value": y,
        "lag": np.asarray([np.mean(y[[w.id_order.index(j) for j in w.neighbors[i]]])
                           if w.neighbors[i] else np.nan for i in w.id_order]),
        "Ii": lisa.Is,
        "p": lisa.p_sim,
        "quadrant": [_QUADRANTS[q] for q in lisa.q],
    }, index=pd.Index(w.id_order, name="region_id"))
    frame["cluster"] = np.where(frame["p"] < alpha, frame["quadrant"], "not significant")
    return frame


def neighbour_view(values: pd.Series, w=None) -> pd.DataFrame:
    """Each region's value next to its neighbours' mean, maximum and names.

    A growth pole in the article's sense should lead its surroundings; ``ratio`` > 1 says the
    region's value exceeds its neighbours' mean.  Neighbours without a value are left out.

    >>> v = pd.Series({"astana": 10.0, "akmola": 5.0})
    >>> neighbour_view(v).loc["astana", ["neighbours_mean", "ratio"]].tolist()
    [5.0, 2.0]
    """
    w = contiguity_weights() if w is None else w
    series = pd.Series(values).astype(float)
    rows = {}
    for rid in w.id_order:
        if rid not in series.index or pd.isna(series[rid]):
            continue
        around = [n for n in w.neighbors[rid] if n in series.index and pd.notna(series[n])]
        mean = float(series[around].mean()) if around else np.nan
        rows[rid] = {
            "value": float(series[rid]),
            "neighbours_mean": mean,
            "neighbours_max": float(series[around].max()) if around else np.nan,
            "ratio": float(series[rid]) / mean if around and mean > 0 else np.nan,
            "neighbours": ", ".join(around),
            "n_neighbours": len(around),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "region_id"
    return frame
