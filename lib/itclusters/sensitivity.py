"""Would the ranking survive other reasonable choices?  Uncertainty and sensitivity analysis.

A seeded Monte Carlo over the method choices of a composite index (the normalisation, the
weights, the aggregation), vectorised over draws and regions, and the robustness of the
article's letters to the unknown cut points of its scale.

Grades need a 0-100 "percentage of the leader" scale.  With the article's normalisation
(``"leader"``) the composite is on that scale already and is graded as it is; with
``"minmax"`` and ``"rank"`` the composite is divided by the year's highest composite (x 100);
with ``"zscore"`` (which can be negative) it is min-max rescaled to 0-100 first.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .indices import DEFAULT_SCALE, GradeScale, consistent_cuts, default_metadata, indicator_codes

__all__ = ["MethodSpace", "monte_carlo", "grade_margins"]

_METHODS = ("leader", "minmax", "zscore", "rank")
_AGGREGATIONS = ("arithmetic", "geometric")
_GEOMETRIC_FLOOR = 0.1  # on the 0-100 scale: a zero indicator must not zero a geometric mean


@dataclass(frozen=True)
class MethodSpace:
    """The choices a Monte Carlo draws from.

    ``weight_spread`` is the standard deviation of the log-normal factor applied to every
    weight (indicators and groups) before renormalising; 0 keeps the metadata's weights.
    ``zscore`` composites are always aggregated arithmetically (a geometric mean of z-scores
    is undefined).
    """

    normalisations: tuple[str, ...] = _METHODS
    aggregations: tuple[str, ...] = _AGGREGATIONS
    weight_spread: float = 0.25

    def __post_init__(self) -> None:
        bad = [m for m in self.normalisations if m not in _METHODS]
        if bad or not self.normalisations:
            raise ValueError(f"normalisations must be among {_METHODS}, got {self.normalisations}")
        bad = [a for a in self.aggregations if a not in _AGGREGATIONS]
        if bad or not self.aggregations:
            raise ValueError(f"aggregations must be among {_AGGREGATIONS}, got {self.aggregations}")
        if self.weight_spread < 0:
            raise ValueError(f"weight_spread must be >= 0, got {self.weight_spread}")


#: The article's own choice only: leader, arithmetic, fixed weights.
ARTICLE = MethodSpace(("leader",), ("arithmetic",), 0.0)


def _normalised_stack(x: np.ndarray, methods: tuple[str, ...]) -> np.ndarray:
    """(methods, regions, indicators) normalised values of one year's raw table ``x``."""
    out = np.empty((len(methods), *x.shape))
    for i, method in enumerate(methods):
        if method == "leader":
            top = x.max(axis=0)
            if not (top > 0).all():
                raise ValueError("normalisation to the leader needs a positive leader for every "
                                 "indicator")
            out[i] = x / top * 100.0
        elif method == "minmax":
            span = x.max(axis=0) - x.min(axis=0)
            if not (span > 0).all():
                raise ValueError("min-max normalisation needs indicators that vary across regions")
            out[i] = (x - x.min(axis=0)) / span * 100.0
        elif method == "zscore":
            out[i] = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
        else:
            out[i] = pd.DataFrame(x).rank(method="average").to_numpy()
    return out


def _effective_weights(rng, draws: int, groups: np.ndarray, indicator_w: np.ndarray,
                       group_w: np.ndarray, spread: float) -> np.ndarray:
    """(draws, indicators) weights: log-normal perturbation, renormalised within each group."""
    k, g = len(indicator_w), len(group_w)
    wi = np.broadcast_to(indicator_w, (draws, k)).copy()
    wg = np.broadcast_to(group_w, (draws, g)).copy()
    if spread > 0:
        wi *= np.exp(rng.normal(0.0, spread, size=(draws, k)))
        wg *= np.exp(rng.normal(0.0, spread, size=(draws, g)))
    wg /= wg.sum(axis=1, keepdims=True)
    sums = np.zeros((draws, g))
    np.add.at(sums.T, groups, wi.T)
    wi /= sums[:, groups]
    return wi * wg[:, groups]


def _scores(composite: np.ndarray, method_of_draw: np.ndarray, methods: tuple[str, ...]) -> np.ndarray:
    """Put every draw's composite on the 0-100 scale the letters are defined on."""
    scores = composite.copy()
    for i, method in enumerate(methods):
        rows = method_of_draw == i
        if not rows.any() or method == "leader":
            continue
        block = composite[rows]
        if method == "zscore":
            low = block.min(axis=1, keepdims=True)
            span = block.max(axis=1, keepdims=True) - low
            scores[rows] = (block - low) / np.where(span > 0, span, 1.0) * 100.0
        else:
            top = block.max(axis=1, keepdims=True)
            scores[rows] = block / np.where(top > 0, top, 1.0) * 100.0
    return scores


def _one_year(x: np.ndarray, meta: pd.DataFrame, codes: list[str], space: MethodSpace,
              draws: int, rng, scale: GradeScale, chunk: int) -> dict[str, np.ndarray]:
    regions = x.shape[0]
    group_names = meta.index[meta["level"] == "group"].tolist()
    groups = np.array([group_names.index(meta.loc[c, "parent"]) for c in codes])
    indicator_w = meta.loc[codes, "weight"].to_numpy(float)
    group_w = meta.loc[group_names, "weight"].to_numpy(float)
    stack = _normalised_stack(x, space.normalisations)
    geometric_ok = np.array([m != "zscore" for m in space.normalisations])
    logs = np.log(np.maximum(stack, _GEOMETRIC_FLOOR), where=geometric_ok[:, None, None],
                  out=np.zeros_like(stack))
    cuts = np.asarray(scale.cuts)
    all_ranks = np.empty((draws, regions), dtype=np.int32)  # 1 = highest composite
    grade_counts = np.zeros((regions, len(scale.labels)), dtype=np.int64)
    for start in range(0, draws, chunk):
        n = min(chunk, draws - start)
        method = rng.integers(len(space.normalisations), size=n)
        geometric = rng.integers(len(space.aggregations), size=n) == \
            (space.aggregations.index("geometric") if "geometric" in space.aggregations else -1)
        geometric &= geometric_ok[method]
        weights = _effective_weights(rng, n, groups, indicator_w, group_w, space.weight_spread)
        composite = np.einsum("drk,dk->dr", stack[method], weights)
        if geometric.any():
            composite[geometric] = np.exp(np.einsum("drk,dk->dr", logs[method[geometric]],
                                                    weights[geometric]))
        # rank 1 = highest composite; ties broken by region order, as a stable sort would
        order = np.argsort(-composite, axis=1, kind="stable")
        np.put_along_axis(all_ranks[start:start + n], order,
                          np.arange(1, regions + 1, dtype=np.int32)[None, :], axis=1)
        letters = np.searchsorted(cuts, _scores(composite, method, space.normalisations),
                                  side="right")
        np.add.at(grade_counts, (np.broadcast_to(np.arange(regions), letters.shape).ravel(),
                                 letters.ravel()), 1)
    return {"ranks": all_ranks, "grade_counts": grade_counts}


def _rank_quantile(ranks: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile of each region's ranks over the draws (a rank that occurred)."""
    return np.quantile(ranks, q, axis=0, method="inverted_cdf").astype(float)


def monte_carlo(raw: pd.DataFrame, metadata: pd.DataFrame | None = None, *, draws: int = 10_000,
                seed: int = 0, space: MethodSpace | None = None,
                scale: GradeScale | None = None, interval: float = 0.9,
                chunk: int = 500) -> pd.DataFrame:
    """Uncertainty of the composite's ranks and letters over method choices.

    Each draw picks a normalisation and an aggregation uniformly from ``space`` and perturbs
    the weights of ``metadata`` (log-normal, renormalised); each year is run on its own.

    Parameters
    ----------
    raw : DataFrame
        Raw indicators indexed by ``(region_id, year)``, columns = the metadata's indicator codes.
    draws, seed : int
        Number of draws per year and the seed of ``numpy.random.default_rng``.
    space : MethodSpace, optional
        Default: all four normalisations, both aggregations, weight spread 0.25.
        :data:`ARTICLE` reproduces the article's deterministic index.
    interval : float
        Coverage of the rank interval (0.9 gives the 5th and 95th percentiles).
    chunk : int
        Draws computed together; memory is about ``chunk x regions x indicators`` floats plus
        ``draws x regions`` ranks (int32).

    Returns
    -------
    DataFrame
        Indexed like ``raw``'s regions and years: ``median_rank``, ``rank_low``, ``rank_high``,
        ``rank_spread`` (high - low) and one ``P(<letter>)`` column per letter (rows sum to 1),
        plus ``modal_grade``.

    Examples
    --------
    >>> idx = pd.MultiIndex.from_product([["a", "b", "c"], [2016]], names=["region_id", "year"])
    >>> raw = pd.DataFrame({c: [1.0, 2.0, 4.0] for c in ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]},
    ...                    index=idx)
    >>> out = monte_carlo(raw, draws=200, seed=1)
    >>> out["median_rank"].tolist()
    [3.0, 2.0, 1.0]
    """
    meta = default_metadata() if metadata is None else metadata
    space = MethodSpace() if space is None else space
    scale = DEFAULT_SCALE if scale is None else scale
    if draws < 1:
        raise ValueError(f"draws must be at least 1, got {draws}")
    if not 0 < interval < 1:
        raise ValueError(f"interval must be between 0 and 1, got {interval}")
    codes = indicator_codes(meta)
    missing = [c for c in codes if c not in raw.columns]
    if missing:
        raise ValueError(f"indicator column(s) {missing} are missing; expected {codes}")
    if raw[codes].isna().any().any():
        raise ValueError("the Monte Carlo needs a complete table: drop regions or years with "
                         "missing indicators first (missing values are never filled in)")
    rng = np.random.default_rng(seed)
    parts = []
    for year, block in raw[codes].astype(float).groupby(level="year", sort=True):
        counts = _one_year(block.to_numpy(), meta, codes, space, draws, rng, scale, chunk)
        ranks, grade_counts = counts["ranks"], counts["grade_counts"]
        tail = (1 - interval) / 2
        frame = pd.DataFrame({
            "median_rank": _rank_quantile(ranks, 0.5),
            "rank_low": _rank_quantile(ranks, tail),
            "rank_high": _rank_quantile(ranks, 1 - tail),
        }, index=block.index)
        frame["rank_spread"] = frame["rank_high"] - frame["rank_low"]
        probabilities = grade_counts / grade_counts.sum(axis=1, keepdims=True)
        for i, label in enumerate(scale.labels):
            frame[f"P({label})"] = probabilities[:, i]
        frame["modal_grade"] = np.asarray(scale.labels, dtype=object)[probabilities.argmax(axis=1)]
        parts.append(frame)
    result = pd.concat(parts).reindex(raw.index)
    result.attrs.update({"draws": draws, "seed": seed, "space": space, "interval": interval})
    return result


def grade_margins(values: pd.Series, letters: pd.Series, labels=DEFAULT_SCALE.labels,
                  tolerance: float = 1.0) -> pd.DataFrame:
    """How far each published index value sits from the cut points its letters allow.

    The article states no cut points; :func:`~itclusters.indices.consistent_cuts` gives, for
    each boundary, the interval of cut points that keeps all published letters.  Every band set
    inside those intervals reproduces the published letters (by construction), so what can be
    asked is how much a region's index could move before *some* consistent band set gives it
    another letter: ``margin_down`` (to the highest possible lower cut) and ``margin_up`` (to
    the lowest possible upper cut).  A letter is ``robust`` when both margins reach
    ``tolerance`` index points.

    >>> from itclusters.data import paper_table
    >>> t1 = paper_table(1)
    >>> m = grade_margins(t1["index"], t1["grade"])
    >>> row = m.loc[("atyrau", 2016)]  # 46.49 (B): the edge of two possible cuts
    >>> float(row["margin_down"]), float(row["margin_up"]), bool(row["robust"])
    (0.0, 0.0, False)
    """
    cuts = consistent_cuts(values, letters, labels)
    frame = pd.DataFrame({"index": values.astype(float), "grade": letters})
    lower_at_most = {upper: row["at_most"] for (name, row) in cuts.iterrows()
                     for upper in [name.split("|")[1]]}
    upper_above = {lower: row["above"] for (name, row) in cuts.iterrows()
                   for lower in [name.split("|")[0]]}
    down = frame["index"] - frame["grade"].map(lower_at_most).astype(float)
    up = frame["grade"].map(upper_above).astype(float) - frame["index"]
    frame["margin_down"] = down.fillna(np.inf).round(6)  # the lowest letter has no lower cut
    frame["margin_up"] = up.fillna(np.inf).round(6)      # the highest letter has no upper cut
    frame["robust"] = (frame["margin_down"] >= tolerance) & (frame["margin_up"] >= tolerance)
    return frame
