"""Build a composite index from a framework, step by step, keeping every intermediate table.

:func:`build_index` runs the steps of the JRC/OECD *Handbook on Constructing Composite
Indicators* (2008) on a ``(region_id, year)`` panel: screen → impute → treat → normalise →
weight → aggregate.  Each step is one verb dispatching on the method the framework names;
normalisation and ranking happen within each year (the article compares regions, not years).
The result keeps the table after each step and a log of what each step did to which cell.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._checks import checked
from .framework import Framework, FrameworkError, read_framework
from .indices import _cell

__all__ = ["IndexResult", "BuildError", "build_index", "normalise_column", "aggregate_rows",
           "derive_weights", "jrc_treatment", "cronbach_alpha"]

_LOG_COLUMNS = ["step", "region_id", "year", "code", "action", "before", "after"]


class BuildError(ValueError):
    """Data the framework's methods cannot take: names the cell, the value and what is allowed."""


@dataclass(frozen=True, repr=False)
class IndexResult:
    """Every table of one build.

    ``raw`` the indicators as given; ``screened`` after screening (rows removed); ``imputed``,
    ``treated``, ``normalised`` after those steps; ``aggregates`` one column per aggregate (the
    index is the framework's root); ``weights`` the effective weight of each child in its parent
    (``node``, ``child``, ``weight``, ``scheme``); ``log`` one row per thing a step did (``step``,
    ``region_id``, ``year``, ``code``, ``action``, ``before``, ``after``).
    """

    framework: Framework
    raw: pd.DataFrame
    screened: pd.DataFrame
    imputed: pd.DataFrame
    treated: pd.DataFrame
    normalised: pd.DataFrame
    aggregates: pd.DataFrame
    weights: pd.DataFrame
    log: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_LOG_COLUMNS))

    @property
    def index(self) -> pd.Series:
        """The composite index (the framework's root)."""
        return self.aggregates[self.framework.root]

    @property
    def ranks(self) -> pd.Series:
        """Rank of each region within its year (1 = highest index; ties share the best rank)."""
        return _ranks(self.index)

    @property
    def scores(self) -> pd.DataFrame:
        """Normalised indicators and every aggregate, side by side."""
        return self.normalised.join(self.aggregates)

    @property
    def imputed_cells(self) -> pd.DataFrame:
        """True where a cell was imputed."""
        return self._marked("impute")

    @property
    def treated_cells(self) -> pd.DataFrame:
        """True where a cell was winsorised or log-transformed."""
        return self._marked("treat")

    @property
    def screened_out(self) -> pd.DataFrame:
        """The ``(region_id, year)`` rows screening removed, with their data coverage."""
        rows = self.log[self.log["step"] == "screen"]
        return rows[["region_id", "year", "before"]].rename(columns={"before": "coverage"})

    def _marked(self, step: str) -> pd.DataFrame:
        marks = pd.DataFrame(False, index=self.screened.index, columns=self.screened.columns)
        for row in self.log[self.log["step"] == step].itertuples():
            marks.loc[(row.region_id, row.year), row.code] = True
        return marks

    def panel(self) -> pd.DataFrame:
        """The raw indicators and every aggregate, one column each, indexed by ``(region_id,
        year)``: a panel for :func:`itclusters.explorer` (``itc.explorer(result.panel(),
        indicator=result.framework.root)``).  ``.attrs["labels"]`` holds each column's label
        and unit from the framework."""
        table = self.raw.reindex(self.aggregates.index.union(self.raw.index)).join(
            self.aggregates)
        fw = self.framework
        table.attrs = {"labels": {code: (fw.nodes[code].label, fw.nodes[code].unit)
                                  for code in table.columns}}
        return table

    def touched(self, code: str | None = None, year: int | None = None) -> list[str]:
        """Regions with an imputed or treated cell under ``code`` (default: the index), in one
        year or any."""
        fw = self.framework
        leaves = set(fw.leaves(code or fw.root))
        rows = self.log[self.log["step"].isin(["impute", "treat"]) & self.log["code"].isin(leaves)]
        if year is not None:
            rows = rows[rows["year"] == year]
        return sorted(set(rows["region_id"]))

    def steps(self) -> dict[str, pd.DataFrame]:
        """The table after each step, in build order."""
        return {"raw": self.raw, "screen": self.screened, "impute": self.imputed,
                "treat": self.treated, "normalise": self.normalised,
                "aggregate": self.aggregates}

    def summary(self) -> pd.DataFrame:
        """One row per step: its method and how many cells or rows it changed."""
        fw, rows = self.framework, []
        for step in ("screen", "impute", "treat", "normalise", "weighting", "aggregate"):
            methods = sorted({fw.method(c, step) for c in
                              (fw.indicators if step in ("normalise",) else fw.aggregates)}) \
                if step in ("normalise", "weighting", "aggregate") else [fw.steps[step]["method"]]
            done = self.log[self.log["step"] == step]
            rows.append({"step": step, "method": ", ".join(methods), "changes": len(done)})
        return pd.DataFrame(rows).set_index("step")

    def __repr__(self) -> str:
        years = sorted(set(self.aggregates.index.get_level_values("year")))
        return (f"IndexResult({self.framework.name!r}: {self.aggregates.shape[0]} region-years "
                f"in {years}; {len(self.log)} logged changes)")


def _ranks(values: pd.Series) -> pd.Series:
    return values.groupby(level="year").rank(ascending=False, method="min").rename("rank")


def _log(rows: list, step, key, code, action, before, after) -> None:
    rows.append((step, key[0], key[1], code, action, before, after))


# --- screen, impute ---------------------------------------------------------------------------

def _screen(fw: Framework, raw: pd.DataFrame, log: list) -> pd.DataFrame:
    setting = fw.steps["screen"]
    if setting["method"] == "none":
        return raw
    coverage = raw.notna().mean(axis=1)
    keep = coverage >= setting.get("min_coverage", 1.0) - 1e-12
    for key in coverage.index[~keep]:
        _log(log, "screen", key, None, f"removed: {coverage[key]:.0%} of indicators present, "
             f"fewer than {setting.get('min_coverage', 1.0):.0%}", float(coverage[key]), None)
    return raw[keep]


def _impute(fw: Framework, table: pd.DataFrame, log: list) -> pd.DataFrame:
    method = fw.steps["impute"]["method"]
    if method == "none" or not table.isna().any().any():
        return table
    if method in ("mean", "median"):
        fill = table.groupby(level="year").transform(method)
        how = f"{method} of the year's units"
    else:  # previous_year: the unit's latest earlier value
        ordered = table.sort_index(level="year")
        fill = ordered.groupby(level="region_id").ffill().reindex(table.index)
        how = "the unit's latest earlier value"
    out = table.fillna(fill)
    for code in table.columns:
        for key in table.index[table[code].isna() & out[code].notna()]:
            _log(log, "impute", key, code, f"imputed: {how}", None, float(out.loc[key, code]))
    return out


# --- treat ------------------------------------------------------------------------------------

@checked
def jrc_treatment(values: pd.Series, winsor_limit: int = 5, skewness: float = 2.0,
                  kurtosis: float = 3.5) -> tuple[pd.Series, list[tuple]]:
    """The JRC outlier rule for one indicator in one year.

    While the sample skewness exceeds ``skewness`` in absolute value *and* the excess kurtosis
    exceeds ``kurtosis`` (both bias-corrected, :func:`scipy.stats.skew` and
    :func:`scipy.stats.kurtosis` with ``bias=False``), the most extreme point on the side of the
    skew is winsorised (set to the next value inside); after ``winsor_limit`` points, if the
    rule still fails, winsorisation is undone and the values are log-transformed instead, as
    COINr's ``log_CT_plus`` does: ``ln(x - min + a)`` for a right skew, ``-ln(max + a - x)`` for
    a left one, ``a`` = 1 % of the range (the logs can be negative: normalise them by min-max,
    z-score, rank or percentile rather than formula 1).
    Missing values are left out; fewer than four values are not treated.

    Returns the treated values and one ``(label, action, before, after)`` per changed point.

    >>> x = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100], index=list("abcdefghij"))
    >>> treated, changes = jrc_treatment(x)
    >>> changes
    [('j', 'winsorised', 100.0, 9.0)]
    """
    from scipy import stats

    out = values.astype(float).copy()
    present = out.dropna()
    if len(present) < 4 or present.nunique() < 3:
        return out, []

    def fails(x):
        return abs(stats.skew(x, bias=False)) > skewness and \
            stats.kurtosis(x, fisher=True, bias=False) > kurtosis

    work, changes = present.copy(), []
    while fails(work.to_numpy()):
        if len(changes) >= winsor_limit:
            break
        high = stats.skew(work.to_numpy(), bias=False) > 0
        label = work.idxmax() if high else work.idxmin()
        inside = work.drop(label)
        new = inside.max() if high else inside.min()
        changes.append((label, "winsorised", float(work[label]), float(new)))
        work[label] = new
    if fails(work.to_numpy()):  # the limit reached: log instead
        work, changes = present.copy(), []
        right = stats.skew(work.to_numpy(), bias=False) > 0
        shift = (work.max() - work.min()) / 100
        logged = np.log(work - work.min() + shift) if right else -np.log(work.max() + shift - work)
        changes = [(label, "log-transformed", float(work[label]), float(logged[label]))
                   for label in work.index]
        work = logged
    out[work.index] = work
    return out, changes


def _treat(fw: Framework, table: pd.DataFrame, log: list) -> pd.DataFrame:
    setting = fw.steps["treat"]
    if setting["method"] == "none":
        return table
    out = table.copy()
    for code in table.columns:
        for year, column in table[code].groupby(level="year"):
            treated, changes = jrc_treatment(
                column, int(setting.get("winsor_limit", 5)), setting.get("skewness", 2.0),
                setting.get("kurtosis", 3.5))
            out.loc[treated.index, code] = treated
            for key, action, before, after in changes:
                _log(log, "treat", key, code, action, before, after)
    return out


# --- normalise --------------------------------------------------------------------------------

@checked
def normalise_column(values: pd.Series, method: str, direction: int = 1,
                     goalposts: tuple | None = None) -> pd.Series:
    r"""One indicator of one year, normalised; missing values stay missing.

    ``leader`` is formula (1), :math:`x / x_{max} \cdot 100` (less is better: :math:`x_{min} /
    x \cdot 100`, the leader of :math:`1/x`); ``minmax`` :math:`(x - min)/(max - min) \cdot
    100`; ``zscore`` :math:`(x - mean)/sd` (sample sd); ``rank`` ranks, 1 = lowest, ties
    averaged; ``goalposts`` :math:`(x - low)/(high - low) \cdot 100` clipped to 0-100;
    ``percentile`` the share of units at or below, in % (:func:`scipy.stats.percentileofscore`,
    ``kind="weak"``).  Less is better (``direction=-1``): the values are negated first (but for
    ``leader``, see above, and ``goalposts``, :math:`(high - x)/(high - low)`).

    >>> x = pd.Series([2.0, 8.0, 4.0])
    >>> normalise_column(x, "leader").tolist(), normalise_column(x, "percentile").round(1).tolist()
    ([25.0, 100.0, 50.0], [33.3, 100.0, 66.7])
    >>> normalise_column(x, "goalposts", goalposts=(0, 5)).tolist()
    [40.0, 100.0, 80.0]
    """
    x = values.astype(float)
    if method == "leader":
        if direction < 0:
            x = 1.0 / x
        return x / x.max() * 100.0
    if method == "goalposts":
        low, high = goalposts
        share = (x - low) / (high - low) if direction > 0 else (high - x) / (high - low)
        return share.clip(0.0, 1.0) * 100.0
    if direction < 0:
        x = -x
    if method == "minmax":
        return (x - x.min()) / (x.max() - x.min()) * 100.0
    if method == "zscore":
        return (x - x.mean()) / x.std(ddof=1)
    if method == "rank":
        return x.rank(method="average", ascending=True)
    if method == "percentile":
        return x.rank(method="max", pct=True) * 100.0
    raise ValueError(f"unknown normalisation {method!r}")


def _check_domain(fw: Framework, table: pd.DataFrame, code: str, method: str, direction: int,
                  treated: bool = False):
    """Formula (1) needs values >= 0 with a positive leader (> 0 where less is better);
    min-max needs values that vary.  Name the first cell that breaks it."""
    column = table[code]
    line = fw.where(code)
    if method == "leader":
        bad = column < 0 if direction > 0 else column <= 0
        if bad.any():
            key = column.index[bad.to_numpy()][0]
            raise BuildError(
                f"{_cell(table, key, code)}: value {float(column[key])!r}"
                f"{' (after treat: jrc, which log-transformed ' + code + ')' if treated else ''}"
                f" — normalise: "
                f"leader (formula 1) is defined only for values {'>= 0' if direction > 0 else '> 0 (less is better: 1/x)'}; "
                f"{code} is declared at {line}: give it 'normalise: minmax' (or zscore, rank, "
                f"goalposts, percentile) and 'may_be_negative: true'")
        for year, block in column.groupby(level="year"):
            if block.isna().all():
                raise BuildError(f"{code}, {year}: no unit has a value, so the year has no "
                                 f"leader for formula (1) ({code} at {line}); leave the year "
                                 f"out, or impute from the previous year")
            if not block.max() > 0:
                raise BuildError(f"{code}, {year}: the leading value is {block.max()!r}; formula "
                                 f"(1) needs a positive leader ({code} at {line}); use minmax")
    if method == "minmax":
        for year, block in column.groupby(level="year"):
            if block.notna().sum() > 0 and not block.max() > block.min():
                raise BuildError(f"{code}, {year}: every unit has {block.max()!r}; min-max is "
                                 f"undefined for an indicator that does not vary ({code} at "
                                 f"{line}); use rank, percentile or goalposts")


def _normalise(fw: Framework, table: pd.DataFrame, log: list = ()) -> pd.DataFrame:
    out = pd.DataFrame(index=table.index)
    logged = {row[3] for row in log if row[4] == "log-transformed"}
    for code in fw.indicators:
        node, method = fw.nodes[code], fw.method(code, "normalise")
        _check_domain(fw, table, code, method, node.direction, code in logged)
        column = np.full(len(table), np.nan)
        for rows in _year_rows(table).values():
            part = table[code].iloc[rows]
            column[rows] = normalise_column(part, method, node.direction, node.goalposts)
        out[code] = column
    return out


def _year_rows(table: pd.DataFrame) -> dict:
    """Positions of each year's rows."""
    years = table.index.get_level_values("year")
    return {year: np.flatnonzero(years == year) for year in years.unique()}


# --- weights and aggregation ------------------------------------------------------------------

@checked
def derive_weights(children: pd.DataFrame, scheme: str, declared: dict | None = None,
                   aggregation: str = "arithmetic", power: float = 1.0) -> pd.Series:
    """Weights of one aggregate's children (summing to 1).

    ``manual`` the declared weights; ``equal`` 1/k; ``pca`` the squared loadings of the first
    principal component of the standardised children (:class:`sklearn.decomposition.PCA`; they
    sum to 1, as in the OECD/JRC Handbook, §6.1); ``correlation`` the weights that make the
    children's Pearson correlations with the aggregate as equal as possible (minimising their
    variance with :func:`scipy.optimize.minimize`, SLSQP, from equal weights).  ``pca`` and
    ``correlation`` use the rows where every child is present.

    >>> kids = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 2, 3, 5]})
    >>> derive_weights(kids, "equal").tolist()
    [0.5, 0.5]
    >>> derive_weights(kids, "pca").round(3).tolist()
    [0.5, 0.5]
    """
    codes = list(children.columns)
    if scheme == "manual":
        weights = pd.Series(declared if declared else {c: 1.0 for c in codes}, dtype=float)[codes]
    elif scheme == "equal" or len(codes) == 1:
        weights = pd.Series(1.0, index=codes)
    elif scheme in ("pca", "correlation"):
        years = children.index.get_level_values("year").to_numpy() \
            if "year" in children.index.names else None
        weights = pd.Series(_derived(children.to_numpy(dtype=float), scheme, aggregation, power,
                                     years, codes), index=codes)
    else:
        raise ValueError(f"unknown weighting {scheme!r}")
    return weights / weights.sum()


def _derived(x: np.ndarray, scheme: str, aggregation: str, power: float, years,
             codes: list[str]) -> np.ndarray:
    """PCA or correlation-equalising weights from the complete rows of ``x`` (not normalised)."""
    complete = ~np.isnan(x).any(axis=1)
    x = x[complete]
    flat = [c for c, sd in zip(codes, x.std(axis=0)) if not sd > 0] if len(x) else []
    if len(x) < 3 or flat:
        raise BuildError(f"{scheme} weights need at least 3 units with every child present "
                         f"and children that vary; {len(x)} complete units"
                         f"{', not varying: ' + ', '.join(flat) if flat else ''}")
    if scheme == "pca":
        from sklearn.decomposition import PCA
        from sklearn.preprocessing import StandardScaler

        return PCA(n_components=1).fit(StandardScaler().fit_transform(x)).components_[0] ** 2
    return _equal_correlation_weights(x, aggregation, power,
                                      None if years is None else years[complete])


def _equal_correlation_weights(x: np.ndarray, aggregation: str, power: float,
                               years) -> np.ndarray:
    from scipy.optimize import minimize

    k = x.shape[1]
    standard = (x - x.mean(axis=0)) / x.std(axis=0)
    step = 1e-7

    def spread_and_slope(w):
        # the variance of the children's Pearson r with the aggregate, at w and at w + step
        # along each axis (a forward-difference gradient in one pass: cheaper than scipy's)
        candidates = np.maximum(np.vstack([w, w + step * np.eye(k)]), 0.0)
        candidates /= np.maximum(candidates.sum(axis=1, keepdims=True), 1e-12)
        if aggregation == "arithmetic":
            scores = x @ candidates.T
        else:
            scores = np.column_stack([_combine(x, aggregation, c, power, years)
                                      for c in candidates])
        centred = scores - scores.mean(axis=0)
        scale = np.sqrt((centred ** 2).mean(axis=0))
        r = standard.T @ centred / (len(x) * np.where(scale > 0, scale, np.inf))
        spread = r.var(axis=0)
        return float(spread[0]), (spread[1:] - spread[0]) / step

    found = minimize(spread_and_slope, np.full(k, 1.0 / k), jac=True, method="SLSQP",
                     bounds=[(0.0, 1.0)] * k,
                     constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0,
                                   "jac": lambda w: np.ones((1, k))}],
                     options={"ftol": 1e-12, "maxiter": 200})
    return np.maximum(found.x, 0)


@checked
def aggregate_rows(children: pd.DataFrame, method: str, weights, power: float = 1.0,
                   years=None) -> np.ndarray:
    r"""Weighted aggregation of each row of ``children`` (weights sum to 1).

    ``arithmetic`` :math:`\sum w_i x_i`; ``geometric`` :math:`\prod x_i^{w_i}`
    (:func:`scipy.stats.gmean`); ``harmonic`` :math:`1 / \sum (w_i / x_i)`
    (:func:`scipy.stats.hmean`); ``generalised`` :math:`(\sum w_i x_i^p)^{1/p}`
    (:func:`scipy.stats.pmean`, ``power`` = p); ``copeland`` the Copeland score within each year
    (``years``): the number of units a unit beats minus those that beat it, where a beats b when
    the weights of the children on which a is higher exceed those on which b is.  A row with a
    missing child gives a missing value.

    >>> kids = pd.DataFrame({"a": [1.0, 4.0], "b": [4.0, 4.0]})
    >>> aggregate_rows(kids, "arithmetic", [0.5, 0.5]).tolist()
    [2.5, 4.0]
    >>> aggregate_rows(kids, "geometric", [0.5, 0.5]).tolist()
    [2.0, 4.0]
    >>> aggregate_rows(kids, "copeland", [0.5, 0.5]).tolist()
    [-1.0, 1.0]
    """
    return _combine(children.to_numpy(dtype=float), method, np.asarray(weights, dtype=float),
                    power, None if years is None else np.asarray(years))


def _combine(x: np.ndarray, method: str, w: np.ndarray, power: float, years) -> np.ndarray:
    # The means are their one-line definitions in numpy rather than scipy.stats' gmean, hmean
    # and pmean (which the tests compare them with): the sensitivity analysis calls this
    # thousands of times, and scipy's argument handling costs more than the sums.
    if method == "arithmetic":
        # the sum innovation_index computes for formulas (2)-(4), term by term: the same bits
        out = (x * w).sum(axis=1)
        out[np.isnan(x).any(axis=1)] = np.nan
        return out
    if method in ("geometric", "harmonic", "generalised"):
        # a child of weight 0 does not count (0 x log 0 and 0 / 0 are not numbers)
        missing = np.isnan(x).any(axis=1)
        x, w = x[:, w > 0], w[w > 0]
        p = {"geometric": 0.0, "harmonic": -1.0}.get(method, power)
        with np.errstate(divide="ignore"):  # a zero: log 0 = -inf, 1/0 = inf, both give 0
            if p == 0:
                out = np.exp((np.log(x) * w).sum(axis=1))
            else:
                out = ((x ** p) * w).sum(axis=1) ** (1.0 / p)
        out[missing] = np.nan
        return out
    if method == "copeland":
        groups = np.zeros(len(x)) if years is None else pd.factorize(years)[0]
        out = np.full(len(x), np.nan)
        for g in np.unique(groups):
            rows = np.flatnonzero((groups == g) & ~np.isnan(x).any(axis=1))
            block = x[rows]
            # s[a, b] = weight of the children where a > b minus where a < b
            s = np.einsum("abk,k->ab", np.sign(block[:, None, :] - block[None, :, :]), w)
            out[rows] = (s > 1e-12).sum(axis=1) - (s < -1e-12).sum(axis=1)
        return out
    raise ValueError(f"unknown aggregation {method!r}")


def _aggregate(fw: Framework, normalised: pd.DataFrame, cache: dict | None = None,
               columns: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    cache = {} if cache is None else cache  # derived weights by their children's values
    if columns is None:
        columns = {code: normalised[code].to_numpy(dtype=float) for code in normalised.columns}
    values = dict(columns)
    years = normalised.index.get_level_values("year").to_numpy()
    rows = []
    for code in fw.aggregates:
        kids = fw.children(code)
        method, scheme = fw.method(code, "aggregate"), fw.method(code, "weighting")
        power = fw.parameter(code, "aggregate", "power")
        x = np.column_stack([values[k] for k in kids])
        if scheme == "manual" or scheme == "equal" or len(kids) == 1:
            declared = fw.weights(code) if scheme == "manual" else {k: 1.0 for k in kids}
            w = np.array([declared[k] for k in kids])
        else:
            # PCA weights depend on the children's values only; equalised correlations also on
            # how they are aggregated
            how = (method, power) if scheme == "correlation" else ()
            key = ("weights", scheme, *how, tuple(kids), x.tobytes())
            if key not in cache:
                try:
                    cache[key] = _derived(x, scheme, method, power, years, kids)
                except BuildError as err:
                    raise BuildError(f"{fw.where(code)}: weights of {code}: {err}") from None
            w = cache[key]
        w = w / w.sum()
        if method in ("geometric", "harmonic") or (method == "generalised" and power <= 0):
            bad = (x < 0).any(axis=1)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                key = normalised.index[i]
                shown = {k: float(v) for k, v in zip(kids, x[i]) if v < 0}
                raise BuildError(f"{code}, {key[0]} {key[1]}: a {method} mean is not defined for "
                                 f"negative values, and {shown} are ({fw.where(code)}); use "
                                 f"arithmetic or copeland")
        values[code] = _combine(x, method, w, power, years)
        rows += [(code, kid, float(wk), scheme) for kid, wk in zip(kids, w)]
    weights = pd.DataFrame(rows, columns=["node", "child", "weight", "scheme"])
    aggregates = pd.DataFrame({code: values[code] for code in fw.aggregates},
                              index=normalised.index)
    return aggregates, weights


# --- the build --------------------------------------------------------------------------------

def _raw_table(fw: Framework, data: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(data.index, pd.MultiIndex) or "year" not in data.index.names \
            or data.index.nlevels != 2:
        raise BuildError(f"data must be indexed by (region_id, year), as "
                         f"itclusters.read_indicators gives it; got index names "
                         f"{list(data.index.names)}")
    missing = [c for c in fw.indicators if c not in data.columns]
    if missing:
        raise BuildError(f"indicator {missing[0]} ({fw.where(missing[0])}) is not a column of the "
                         f"data; the data's columns: {', '.join(map(str, data.columns))}; "
                         f"missing: {', '.join(missing)}")
    raw = data[fw.indicators].copy()
    for code in fw.indicators:
        if not pd.api.types.is_numeric_dtype(raw[code]):
            numbers = pd.to_numeric(raw[code], errors="coerce")
            bad = raw[code].notna() & numbers.isna()
            if bad.any():
                key = raw.index[bad.to_numpy()][0]
                raise BuildError(f"{_cell(data, key, code)}: {raw.loc[key, code]!r} is not "
                                 f"a number")
            raw[code] = numbers
    raw = raw.astype(float)
    if np.isinf(raw.to_numpy()).any():
        key, code = next((k, c) for c in raw.columns for k in raw.index[np.isinf(raw[c])])
        raise BuildError(f"{_cell(data, key, code)}: an infinite value; give a number or "
                         f"leave the cell empty")
    raw.index = raw.index.set_names(["region_id", "year"])
    raw.attrs = dict(data.attrs)
    return raw


def _run(fw: Framework, raw: pd.DataFrame, cache: dict | None = None) -> IndexResult:
    """The build, with the tables of each prefix of choices kept in ``cache`` (the sensitivity
    analysis rebuilds many variants that share their first steps)."""
    cache = {} if cache is None else cache
    log: list = []
    key = (fw.steps["screen"]["method"], fw.steps["screen"].get("min_coverage"),
           fw.steps["impute"]["method"])
    if key not in cache:
        first: list = []
        screened = _screen(fw, raw, first)
        cache[key] = (screened, _impute(fw, screened, first), first)
    screened, imputed, first = cache[key]
    key += (fw.steps["treat"]["method"], tuple(sorted(fw.steps["treat"].items())))
    if key not in cache:
        second: list = []
        cache[key] = (_treat(fw, imputed, second), second)
    treated, second = cache[key]
    key += (tuple(fw.method(c, "normalise") for c in fw.indicators),)
    if key not in cache:
        table = _normalise(fw, treated, second)
        cache[key] = (table, {c: table[c].to_numpy(dtype=float) for c in table.columns})
    normalised, columns = cache[key]
    aggregates, weights = _aggregate(fw, normalised, cache, columns)
    log = pd.DataFrame(first + second, columns=_LOG_COLUMNS)
    return IndexResult(framework=fw, raw=raw, screened=screened, imputed=imputed,
                       treated=treated, normalised=normalised, aggregates=aggregates,
                       weights=weights, log=log)


@checked
def build_index(framework: Framework | str | os.PathLike, data: pd.DataFrame) -> IndexResult:
    """Build the composite index a framework declares, on a ``(region_id, year)`` panel.

    Runs screen → impute → treat → normalise → weight → aggregate with the methods the
    framework names (see :data:`itclusters.framework.METHODS`) and keeps every table: see
    :class:`IndexResult`.  Missing values stay missing unless the framework names an
    imputation; a unit missing an indicator gets missing aggregates above it.  Normalisation,
    treatment, imputation by mean or median, and Copeland scores are computed within each year.

    Parameters
    ----------
    framework : Framework or path
        A framework (:func:`~itclusters.read_framework`) or the path of a framework file.
    data : DataFrame
        Raw indicators indexed by ``(region_id, year)`` with a column per indicator code
        (:func:`~itclusters.read_indicators` reads such a table from a user's file); other
        columns are ignored.

    Raises
    ------
    BuildError
        An indicator missing from the data, a value a method is not defined for (naming the
        cell and the framework line), a weighting that cannot be derived.

    Examples
    --------
    The article's framework is :func:`~itclusters.innovation_index`:

    >>> from itclusters.framework import FRAMEWORKS
    >>> idx = pd.MultiIndex.from_product([["a", "b"], [2016]], names=["region_id", "year"])
    >>> raw = pd.DataFrame({c: [1.0, 4.0] for c in ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]},
    ...                    index=idx)
    >>> result = build_index(FRAMEWORKS / "article.yaml", raw)
    >>> result.index.tolist(), result.ranks.tolist()
    ([25.0, 100.0], [2.0, 1.0])
    """
    fw = framework if isinstance(framework, Framework) else read_framework(framework)
    return _run(fw, _raw_table(fw, data))


@checked
def cronbach_alpha(items: pd.DataFrame) -> float:
    r"""Cronbach's alpha of the columns of ``items`` (rows with a missing value left out):
    :math:`\alpha = \frac{k}{k-1}\left(1 - \frac{\sum_i s_i^2}{s_T^2}\right)`, sample variances
    of the k items and of their sum.

    >>> round(cronbach_alpha(pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 2, 4, 4]})), 4)
    0.9412
    """
    complete = items.dropna()
    k = complete.shape[1]
    if k < 2 or len(complete) < 2:
        return float("nan")
    total = complete.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - complete.var(ddof=1).sum() / total))


__all__ += ["FrameworkError"]
