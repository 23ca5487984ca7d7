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

__all__ = ["contiguity_weights", "global_moran", "local_moran", "neighbour_view", "CLUSTERS",
           "CLUSTER_COLOURS", "cluster_legend", "cluster_map"]

_QUADRANTS = {1: "high-high", 2: "low-high", 3: "low-low", 4: "high-low"}
#: The clusters of :func:`local_moran`, in the order a legend lists them.
CLUSTERS = ("high-high", "low-high", "low-low", "high-low", "not significant")
#: Their colours on a map: high values among high in red, low among low in blue, the outliers
#: in the light shade of their own value's colour.
CLUSTER_COLOURS = {"high-high": "#d7301f", "low-high": "#9ecae1", "low-low": "#2171b5",
                   "high-low": "#fc9272", "not significant": "#f0f0f0"}


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


def cluster_legend(frame: pd.DataFrame, width: int = 34) -> dict[str, str]:
    """The legend entry of each cluster of :func:`local_moran`'s ``frame``: a significant
    cluster names its regions (wrapped to ``width`` characters a line), one without regions
    says "none".

    >>> frame = pd.DataFrame({"cluster": ["high-high", "high-high", "not significant"]},
    ...                      index=["astana", "akmola", "zhambyl"])
    >>> legend = cluster_legend(frame)
    >>> legend["high-high"], legend["low-low"], legend["not significant"]
    ('High-high: Astana, Akmola', 'Low-low: none', 'Not significant')
    """
    import textwrap

    from .presentation import display_names

    out = {}
    for cluster in CLUSTERS:
        name = cluster[0].upper() + cluster[1:]
        if cluster == "not significant":
            out[cluster] = name
            continue
        members = frame.index[frame["cluster"] == cluster]
        text = f"{name}: {', '.join(display_names(members)) if len(members) else 'none'}"
        out[cluster] = "\n".join(textwrap.wrap(text, width, subsequent_indent="  "))
    return out


def cluster_map(frame: pd.DataFrame, *, alpha: float, ax=None, title: str | None = None,
                source: str | None = None):
    """The clusters of :func:`local_moran` on the map, the legend naming the regions of each
    significant cluster ("High-high: Almaty city, Almaty region").  Returns the Axes.

    >>> import matplotlib.pyplot as plt
    >>> frame = pd.DataFrame({"cluster": ["high-high", "high-high"]}, index=["astana", "akmola"])
    >>> ax = cluster_map(frame, alpha=0.05, title="Local Moran clusters of a test")
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ['High-high: Astana, Akmola', 'Low-high: none']
    >>> plt.close(ax.figure)
    """
    from .maps import choropleth

    bad = set(frame["cluster"].dropna()) - set(CLUSTERS)
    if bad:
        raise ValueError(f"clusters {sorted(bad)} are not among {list(CLUSTERS)}")
    legend = cluster_legend(frame)
    # the regions of a significant cluster are named on the map too, with the two cities
    named = [r for r, c in frame["cluster"].items() if c in CLUSTERS[:-1]]
    return choropleth(frame["cluster"].map(legend), scheme="categories",
                      categories=[legend[c] for c in CLUSTERS],
                      colors={legend[c]: CLUSTER_COLOURS[c] for c in CLUSTERS}, ax=ax,
                      title=title, units=f"cluster, pseudo p < {alpha:g}", source=source,
                      labels=[*named, "astana", "almaty_city"])
