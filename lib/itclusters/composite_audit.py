"""The audit of a built index: statistical coherence, variance-based sensitivity of ranks, and
the comparison of two versions.

What a JRC audit of a composite indicator reports, for a :class:`~itclusters.build.IndexResult`:
:func:`coherence` (correlations within and across levels, Cronbach's alpha and the first
principal component's share per aggregate, a verdict in words), :func:`rank_sensitivity` (every
step's choice drawn at once; first-order and total Sobol indices of each region's rank from
SALib, and rank intervals) and :func:`compare` (rank changes between two builds).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ._checks import checked
from .presentation import format_value
from .build import BuildError, IndexResult, _ranks, _run, cronbach_alpha
from .framework import METHODS, FrameworkError, _suggest

__all__ = ["Coherence", "coherence", "RankSensitivity", "rank_sensitivity", "compare",
           "ALPHA_COHERENT", "PC1_COHERENT"]

#: Thresholds of the verdict: Cronbach's alpha of 0.7 (Nunnally's usual bar) and a first
#: principal component carrying 60 % of the variance.
ALPHA_COHERENT = 0.7
PC1_COHERENT = 0.6


@dataclass(frozen=True, repr=False)
class Coherence:
    """The statistical coherence of one year of a built index.

    ``correlations``: Pearson correlations of every indicator and aggregate (normalised scores);
    ``with_parent``: each node's correlation with its parent and with the index (the
    indicator-index correlations of JRC audits); ``pillars``: per aggregate its children,
    Cronbach's alpha, the first principal component's share of variance, the child that agrees
    least with the others and a verdict in words.
    """

    year: int
    correlations: pd.DataFrame
    with_parent: pd.DataFrame
    pillars: pd.DataFrame

    def within(self, code: str) -> pd.DataFrame:
        """Correlations among the children of aggregate ``code``."""
        kids = self.pillars.loc[code, "children"]
        return self.correlations.loc[kids, kids]

    def __repr__(self) -> str:
        return f"Coherence({self.year}: " + "; ".join(
            f"{c}: {v}" for c, v in self.pillars["verdict"].items()) + ")"


def _pc1_share(children: pd.DataFrame) -> float:
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    complete = children.dropna()
    if children.shape[1] < 2 or len(complete) < 3 or (complete.std(ddof=0) == 0).any():
        return float("nan")
    pca = PCA().fit(StandardScaler().fit_transform(complete.to_numpy()))
    return float(pca.explained_variance_ratio_[0])


def _verdict(code: str, kids: list[str], r: pd.DataFrame, alpha: float, pc1: float,
             flat: list[str]) -> tuple[str, str]:
    if len(kids) == 1:
        return "", "one child: nothing to check"
    if flat:
        return flat[0], (f"{', '.join(flat)} {'does' if len(flat) == 1 else 'do'} not vary "
                         f"across the units: no correlation to check")
    with_pillar = {k: float(r.loc[k, code]) for k in kids}
    weakest = min(with_pillar, key=with_pillar.get)
    against = [k for k in kids if with_pillar[k] < 0]
    if not against and len(kids) == 2 and r.loc[kids[0], kids[1]] < 0:
        against = [weakest]  # two children pulling apart: the one the pillar follows less
    if len(against) == 1:
        return weakest, (f"one indicator works against the rest: {weakest} (r = "
                         f"{_number(with_pillar[weakest])} with {code})")
    if against:
        return weakest, (f"{len(against)} indicators work against the rest: "
                         f"{', '.join(against)} (negative r with {code})")
    if alpha >= ALPHA_COHERENT and pc1 >= PC1_COHERENT:
        return weakest, (f"coherent: the indicators measure one thing (alpha = {_number(alpha)}, "
                         f"first component {_share(pc1)} of the variance)")
    if alpha >= 0.5:
        return weakest, (f"weakly coherent (alpha = {_number(alpha)}, first component "
                         f"{_share(pc1)}); least in line: {weakest}")
    return weakest, (f"not coherent: the indicators measure different things (alpha = "
                     f"{_number(alpha)}, first component {_share(pc1)})")


def _number(x: float) -> str:  # as the tables print it: "−0.14", never a hyphen
    return format_value(x, "number:2")


def _share(x: float) -> str:  # "71 %", with the narrow no-break space of the tables
    return format_value(x, "percent:0")


@checked
def coherence(result: IndexResult, year: int | None = None) -> Coherence:
    """Statistical coherence of a built index in one year (default: the latest).

    Correlations are Pearson's, on the normalised indicators and the aggregates; Cronbach's
    alpha (:func:`~itclusters.build.cronbach_alpha`) and the first principal component's share
    of variance (:class:`sklearn.decomposition.PCA` on standardised values) per aggregate, on
    its children.  A pillar is *coherent* when alpha >= 0.7 and the first component carries at
    least 60 % of the variance; a child correlated negatively with its pillar (or, in a pillar
    of two, negatively with the other child, the one the pillar follows less) *works against
    the rest*.

    >>> from itclusters.build import build_index
    >>> from itclusters.framework import FRAMEWORKS
    >>> idx = pd.MultiIndex.from_product([list("abcde"), [2016]], names=["region_id", "year"])
    >>> raw = pd.DataFrame({"J_A": [1.0, 2, 3, 4, 5], "J_B": [1.1, 2, 3.2, 4, 5],
    ...                     "J_C": [1.0, 2.2, 3, 4.1, 5], "J_D": [5.0, 4, 3, 2, 1],
    ...                     "J_E": [1.0, 2, 3, 4, 5], "J_F": [1.0, 2, 3, 4, 5]}, index=idx)
    >>> audit = coherence(build_index(FRAMEWORKS / "article.yaml", raw))
    >>> audit.pillars.loc["activity", "verdict"]
    'coherent: the indicators measure one thing (alpha = 1.00, first component 100\u202f% of the variance)'
    >>> audit.pillars.loc["susceptibility", "verdict"]
    'one indicator works against the rest: J_D (r = \u22121.00 with susceptibility)'
    """
    fw = result.framework
    scores = result.scores
    years = sorted(set(scores.index.get_level_values("year")))
    if year is None:
        year = years[-1]
    if year not in years:
        raise ValueError(f"coherence(): year {year} is not in the result; its years: {years}")
    table = scores.xs(year, level="year")
    r = table.corr(method="pearson")
    rows = []
    for code in [*fw.indicators, *fw.aggregates]:
        parent = fw.nodes[code].parent
        if parent is None:
            continue
        rows.append({"code": code, "parent": parent,
                     "r_parent": float(r.loc[code, parent]),
                     "r_index": float(r.loc[code, fw.root])})
    with_parent = pd.DataFrame(rows).set_index("code")
    pillars = []
    for code in fw.aggregates:
        kids = fw.children(code)
        alpha = cronbach_alpha(table[kids])
        pc1 = _pc1_share(table[kids])
        flat = [k for k in kids if not table[k].std() > 0]
        weakest, verdict = _verdict(code, kids, r, alpha, pc1, flat)
        pillars.append({"code": code, "children": kids, "alpha": alpha, "pc1_share": pc1,
                        "weakest": weakest, "verdict": verdict})
    return Coherence(year=int(year), correlations=r, with_parent=with_parent,
                     pillars=pd.DataFrame(pillars).set_index("code"))


# --- sensitivity ------------------------------------------------------------------------------

@dataclass(frozen=True, repr=False)
class RankSensitivity:
    """What the choices do to each region's rank.

    ``ranks``: per ``(region_id, year)`` the rank of the build analysed (``nominal_rank``), the
    median and the interval of ranks over the draws (``rank_low``, ``rank_high``, e.g. 5th-95th
    percentile) and ``rank_spread``; ``indices``: per ``(region_id, year, choice)`` the
    first-order (``S1``) and total (``ST``) Sobol indices of the rank with their confidence
    half-widths (SALib; 0 for a rank that never moves, missing for a region without an index);
    ``runs``: builds evaluated; ``configurations``: distinct combinations of choices built.
    """

    ranks: pd.DataFrame
    indices: pd.DataFrame
    choices: dict
    runs: int
    configurations: int

    def table(self) -> pd.DataFrame:
        """``ranks`` with one ``S1 <choice>`` and ``ST <choice>`` column per choice."""
        wide = self.indices[["S1", "ST"]].unstack("choice")
        wide.columns = [f"{s} {c}" for s, c in wide.columns]
        return self.ranks.join(wide)

    def __repr__(self) -> str:
        return (f"RankSensitivity({self.runs} runs of {self.configurations} configurations; "
                f"choices {self.choices})")


def _configurations(result: IndexResult, choices: dict) -> list:
    fw, variants = result.framework, []
    for combination in itertools.product(*choices.values()):
        methods = dict(zip(choices, combination))
        try:
            variants.append(fw.with_methods(**methods))
        except FrameworkError as err:
            raise FrameworkError(f"rank_sensitivity(): the choices combine "
                                 f"{', '.join(f'{s}={m}' for s, m in methods.items())}, which the "
                                 f"framework cannot take: {err}") from None
    return variants


def _rank_rows(values: np.ndarray, by_year: list) -> np.ndarray:
    """Ranks within each year, 1 = highest, ties share the best rank, missing stays missing
    (what :attr:`IndexResult.ranks` gives, without pandas' overhead)."""
    from scipy.stats import rankdata

    out = np.full(len(values), np.nan)
    for rows in by_year:
        part = values[rows]
        present = ~np.isnan(part)
        out[rows[present]] = rankdata(-part[present], method="min")
    return out


@checked
def rank_sensitivity(result: IndexResult, choices: Mapping[str, Sequence[str]],
                     draws: int = 10_000, seed: int = 0,
                     interval: float = 0.9) -> RankSensitivity:
    """Global sensitivity of each region's rank to the choices of every step.

    Each choice is a step of the build (``impute``, ``treat``, ``normalise``, ``weighting``,
    ``aggregate``, ``screen``) with the methods it may take, each equally likely.  SALib's
    Saltelli/Sobol' design (:func:`SALib.sample.sobol.sample`, no second-order terms) draws
    ``N (k + 2) <= draws`` runs (N a power of two, k choices); each run's methods come from
    uniform inputs cut into equal parts, so a choice is a discrete uniform factor.  The build of
    each distinct configuration is computed once.  :func:`SALib.analyze.sobol.analyze` gives
    first-order and total indices of each region's rank within its year.

    Named ``rank_sensitivity``, not ``sensitivity``: ``itclusters.sensitivity`` is the module of
    the present Monte Carlo (``itc.sensitivity.monte_carlo``), which notebooks import by that
    name.

    >>> from itclusters.build import build_index
    >>> from itclusters.framework import FRAMEWORKS
    >>> idx = pd.MultiIndex.from_product([list("abcd"), [2016]], names=["region_id", "year"])
    >>> raw = pd.DataFrame({"J_A": [1.0, 2, 3, 4], "J_B": [4.0, 3, 2, 1], "J_C": [1.0, 2, 3, 4],
    ...                     "J_D": [2.0, 2, 3, 4], "J_E": [1.0, 2, 3, 4], "J_F": [4.0, 1, 1, 1]},
    ...                    index=idx)
    >>> out = rank_sensitivity(build_index(FRAMEWORKS / "article.yaml", raw),
    ...                        {"aggregate": ["arithmetic", "geometric"]}, draws=600)
    >>> out.runs, float(out.ranks.loc[("d", 2016), "median_rank"])
    (384, 1.0)
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    choices = {step: list(methods) for step, methods in choices.items()}
    for step, methods in choices.items():
        if step not in METHODS:
            raise ValueError(f"rank_sensitivity(): choices: unknown step {step!r}; "
                             f"{_suggest(step, list(METHODS))}")
        if not methods:
            raise ValueError(f"rank_sensitivity(): choices: {step} has no methods")
        for method in methods:
            if method not in METHODS[step]:
                raise ValueError(f"rank_sensitivity(): choices: {step}: unknown method "
                                 f"{method!r}; {_suggest(method, METHODS[step])}")
    if not choices:
        raise ValueError("rank_sensitivity(): choices is empty; give each step to vary with its "
                         "methods, e.g. {'normalise': ['leader', 'minmax']}")
    if not 0 < interval < 1:
        raise ValueError(f"rank_sensitivity(): interval must be between 0 and 1, got {interval}")
    k = len(choices)
    if draws < 2 * (k + 2):
        raise ValueError(f"rank_sensitivity(): draws must be at least {2 * (k + 2)} for "
                         f"{k} choice(s), got {draws}")
    n = 2 ** int(np.floor(np.log2(draws / (k + 2))))
    problem = {"num_vars": k, "names": list(choices),
               "bounds": [[0.0, float(len(m))] for m in choices.values()]}
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    sizes = np.array([len(m) for m in choices.values()])
    codes = np.minimum(np.floor(x).astype(int), sizes - 1)
    variants = _configurations(result, choices)
    flat = np.ravel_multi_index(codes.T, sizes)
    used, inverse = np.unique(flat, return_inverse=True)
    cache: dict = {}
    rows = result.index.index
    by_year = [np.flatnonzero(rows.get_level_values("year") == y)
               for y in rows.get_level_values("year").unique()]
    ranks_of = np.empty((len(used), len(rows)))
    for i, config in enumerate(used):
        try:
            built = _run(variants[config], result.raw, cache)
        except BuildError as err:
            methods = dict(zip(choices, np.unravel_index(config, sizes)))
            shown = ", ".join(f"{s}={choices[s][j]}" for s, j in methods.items())
            raise BuildError(f"rank_sensitivity(): the build with {shown} fails: {err}") from None
        ranks_of[i] = _rank_rows(built.index.reindex(rows).to_numpy(), by_year)
    y = ranks_of[inverse.ravel()]  # (runs, region-years)
    tail = (1 - interval) / 2
    complete = ~np.isnan(y).any(axis=0)
    table = pd.DataFrame(index=rows)
    table["nominal_rank"] = result.ranks.reindex(rows).to_numpy()
    for name, q in (("median_rank", 0.5), ("rank_low", tail), ("rank_high", 1 - tail)):
        table[name] = np.nan
        if complete.any():
            table.loc[complete, name] = np.quantile(y[:, complete], q, axis=0,
                                                    method="inverted_cdf")
    table["rank_spread"] = table["rank_high"] - table["rank_low"]
    records = []
    for j, key in enumerate(rows):
        column = y[:, j]
        if not complete[j]:
            found = {s: [np.nan] * k for s in ("S1", "S1_conf", "ST", "ST_conf")}
        elif np.ptp(column) == 0:
            found = {s: [0.0] * k for s in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            found = sobol_analyze.analyze(problem, column, calc_second_order=False,
                                          num_resamples=100, seed=seed)
        for i, step in enumerate(choices):
            records.append((key[0], key[1], step, float(found["S1"][i]),
                            float(found["S1_conf"][i]), float(found["ST"][i]),
                            float(found["ST_conf"][i])))
    indices = pd.DataFrame(records, columns=["region_id", "year", "choice", "S1", "S1_conf", "ST",
                                             "ST_conf"]).set_index(["region_id", "year", "choice"])
    return RankSensitivity(ranks=table, indices=indices, choices=choices, runs=len(y),
                           configurations=len(used))


# --- compare ----------------------------------------------------------------------------------

@checked
def compare(result_a: IndexResult, result_b: IndexResult) -> pd.DataFrame:
    """Two builds side by side: index and rank in each, and the change of rank.

    ``rank_change`` is ``rank_a - rank_b``: positive where version b ranks the region higher.
    Only the ``(region_id, year)`` rows both builds have are compared; ranks are within each
    year of each build.

    >>> from itclusters.build import build_index
    >>> from itclusters.framework import FRAMEWORKS, read_framework
    >>> idx = pd.MultiIndex.from_product([list("abc"), [2016]], names=["region_id", "year"])
    >>> raw = pd.DataFrame({"J_A": [1.0, 2, 30], **{c: [3.0, 2.9, 2.8] for c in
    ...                     ["J_B", "J_C", "J_D", "J_E", "J_F"]}}, index=idx)

    c leads J_A thirtyfold: first with formula (1), last when only ranks count:

    >>> article = read_framework(FRAMEWORKS / "article.yaml")
    >>> a = build_index(article, raw)
    >>> b = build_index(article.with_methods(normalise="rank"), raw)
    >>> compare(a, b)[["rank_a", "rank_b", "rank_change"]].astype(int).to_numpy().tolist()
    [[2, 1, 1], [3, 2, 1], [1, 3, -2]]
    """
    rows = result_a.index.index.intersection(result_b.index.index, sort=False)
    if rows.empty:
        raise ValueError("compare(): the two results have no (region_id, year) in common")
    table = pd.DataFrame({
        "index_a": result_a.index.reindex(rows),
        "index_b": result_b.index.reindex(rows),
        "rank_a": result_a.ranks.reindex(rows),
        "rank_b": result_b.ranks.reindex(rows),
    })
    table["rank_change"] = table["rank_a"] - table["rank_b"]
    table.attrs.update({"a": result_a.framework.name, "b": result_b.framework.name})
    return table
