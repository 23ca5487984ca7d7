"""The index of innovative development (formulas 1-4), its letter grades, and formula (5).

All functions are pure: frames in, new frames out.  An indicator table is indexed by
``(region_id, year)`` with one column per indicator code; normalisation and ranking happen
within each year, because the article compares regions, not years.

The index tree is a metadata table in the style of COINr: one row per node with its
``parent`` and ``weight``.  The default is the article's: six indicators in two groups of
three, equal weights inside a group, both groups weighing 0.5.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ._checks import checked

__all__ = [
    "default_metadata",
    "indicator_codes",
    "NormalisationError",
    "normalise",
    "NORMALISATIONS",
    "aggregate",
    "innovation_index",
    "GradeScale",
    "DEFAULT_SCALE",
    "grade",
    "consistent_cuts",
    "it_share",
]


@checked
def default_metadata() -> pd.DataFrame:
    """The article's index tree: indicators ``J_A`` ... ``J_F``, two groups, one index.

    Columns: ``name``, ``level`` (indicator/group/index), ``parent``, ``weight`` (relative to
    the siblings), ``direction`` (+1: more is better), ``nonnegative``, ``unit`` and
    ``normalisation`` (per indicator: ``"leader"``, formula (1), or ``"minmax"``; empty = the
    method given to :func:`innovation_index`, by default the article's formula (1)).

    >>> meta = default_metadata()
    >>> meta.loc[meta["parent"] == "susceptibility"].index.tolist()
    ['J_D', 'J_E', 'J_F']
    >>> meta.loc[["susceptibility", "activity"], "weight"].tolist()
    [0.5, 0.5]
    """
    rows = [
        ("J_D", "labour productivity in the regional economy", "indicator", "susceptibility",
         "as published by the user"),
        ("J_E", "sustainability of production", "indicator", "susceptibility",
         "as published by the user"),
        ("J_F", "impact (return) of fixed assets", "indicator", "susceptibility",
         "as published by the user"),
        ("J_A", "R&D spending per employee", "indicator", "activity", "as published by the user"),
        ("J_B", "technological-innovation spending per employed person", "indicator", "activity",
         "as published by the user"),
        ("J_C", "innovative output per capita", "indicator", "activity", "as published by the user"),
    ]
    table = pd.DataFrame(rows, columns=["code", "name", "level", "parent", "unit"])
    table["weight"] = 1.0
    table["direction"] = 1
    table["nonnegative"] = table["code"] != "J_E"  # a sustainability index may be a growth rate
    # formula (1) for every indicator, as in the article; a J_E with negative values needs
    # "minmax" here (normalisation to the leader is undefined for them)
    table["normalisation"] = None
    groups = pd.DataFrame({
        "code": ["susceptibility", "activity", "index"],
        "name": ["innovative susceptibility, formula (2)", "innovative activity, formula (3)",
                 "aggregated index of innovative development, formula (4)"],
        "level": ["group", "group", "index"],
        "parent": ["index", "index", None],
        "unit": ["sub-index, 0–100", "sub-index, 0–100", "index, 0–100"],
        "weight": [0.5, 0.5, 1.0],
        "direction": 1,
        "nonnegative": True,
        "normalisation": None,
    })
    return pd.concat([table, groups], ignore_index=True).set_index("code")


def indicator_codes(metadata: pd.DataFrame) -> list[str]:
    """Codes of the leaves (``level == "indicator"``) in metadata order."""
    return metadata.index[metadata["level"] == "indicator"].tolist()


# --- formula (1) and alternatives -------------------------------------------------------------

class NormalisationError(ValueError):
    """A normalisation that is undefined for the values given (e.g. formula (1) for x < 0)."""


def _by_year(df: pd.DataFrame) -> pd.core.groupby.DataFrameGroupBy:
    if not isinstance(df.index, pd.MultiIndex) or "year" not in df.index.names:
        raise ValueError("expected a frame indexed by (region_id, year); got index names "
                         f"{list(df.index.names)}")
    from .layouts import ids_layout

    level = "region_id" if "region_id" in df.index.names else 0
    for year, ids in pd.Series(df.index.get_level_values(level), index=df.index).groupby(
            level="year"):
        ids_layout(ids, f"the values of {year}")  # one layout per year: a leader of one territory
    return df.groupby(level="year", group_keys=False)


def _leader(block: pd.DataFrame) -> pd.DataFrame:
    top = block.max()
    bad = top[~(top > 0)]
    if len(bad):
        year = block.index.get_level_values("year")[0]
        raise NormalisationError(f"normalisation to the leader is undefined in {year} for "
                         f"{', '.join(f'{c} (leader = {v})' for c, v in bad.items())}: "
                         f"the leading value must be positive")
    return block / top * 100.0


def _minmax(block: pd.DataFrame) -> pd.DataFrame:
    span = block.max() - block.min()
    flat = span[~(span > 0)]
    if len(flat):
        year = block.index.get_level_values("year")[0]
        raise NormalisationError(f"min-max normalisation is undefined in {year} for {list(flat.index)}: "
                         f"all regions have the same value")
    return (block - block.min()) / span * 100.0


def _zscore(block: pd.DataFrame) -> pd.DataFrame:
    return (block - block.mean()) / block.std(ddof=1)


def _rank(block: pd.DataFrame) -> pd.DataFrame:
    return block.rank(method="average", ascending=True)


NORMALISATIONS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "leader": _leader,
    "minmax": _minmax,
    "zscore": _zscore,
    "rank": _rank,
}


def _cell(df: pd.DataFrame, key, code: str) -> str:
    """A cell as a person finds it: region, year, indicator, and the file row if known."""
    region, year = key
    where = f"{code}, {region} {year}"
    rows = df.attrs.get("row_numbers") if isinstance(df.attrs, dict) else None
    if isinstance(rows, dict) and key in rows:
        where += f" ({rows[key]})"
    return where


def _check_leader_domain(df: pd.DataFrame, codes: Sequence[str]) -> None:
    """Formula (1) is defined for values >= 0 with a positive leader; say so for the first cell
    that breaks it, and which method handles it."""
    for code in codes:
        column = df[code]
        negative = column < 0
        if negative.any():
            key = column.index[negative.to_numpy()][0]
            raise NormalisationError(
                f"{_cell(df, key, code)}: value {float(column[key])!r} is negative; "
                f"normalisation to the leader (formula 1) is defined only for values >= 0 with a "
                f"positive leader. Use min-max for {code}: normalise(..., method=\"minmax\"), or "
                f"in the index metadata: metadata.loc[{code!r}, \"normalisation\"] = \"minmax\"")


def _methods(df: pd.DataFrame, method: str | Mapping[str, str]) -> dict[str, str]:
    if isinstance(method, str):
        chosen = {code: method for code in df.columns}
    elif isinstance(method, Mapping):
        unknown = [c for c in method if c not in df.columns]
        if unknown:
            raise ValueError(f"normalisation given for {unknown}, which are not columns of the "
                             f"table ({list(df.columns)})")
        chosen = {code: method.get(code, "leader") for code in df.columns}
    else:
        raise ValueError(f"method must be a name or a mapping of column to name, got {method!r}")
    for code, name in chosen.items():
        if name not in NORMALISATIONS:
            raise ValueError(f"unknown normalisation {name!r}; available: "
                             f"{', '.join(NORMALISATIONS)}")
    return chosen


@checked
def normalise(df: pd.DataFrame, method: str | Mapping[str, str] = "leader") -> pd.DataFrame:
    r"""Normalise each indicator within each year.

    ``"leader"`` is the article's formula (1), :math:`I_R = X_R / X_{max} \cdot 100`: the
    leading region of the year scores exactly 100.  ``"minmax"`` maps the year's range to
    0-100, ``"zscore"`` centres and scales (sample standard deviation), ``"rank"`` gives
    ranks (1 = lowest, ties averaged).

    Parameters
    ----------
    df : DataFrame
        Indexed by ``(region_id, year)``, one numeric column per indicator (more is better).
    method : {"leader", "minmax", "zscore", "rank"} or dict
        One method for every column, or a method per column (columns left out: ``"leader"``).

    Raises
    ------
    NormalisationError
        ``"leader"`` on a negative value (naming the cell; use ``"minmax"`` for it) or on a
        year whose leader is not positive.

    Examples
    --------
    >>> raw = pd.DataFrame({"J_A": [2.0, 8.0, 4.0]},
    ...     index=pd.MultiIndex.from_product([["a", "b", "c"], [2016]],
    ...                                      names=["region_id", "year"]))
    >>> normalise(raw)["J_A"].tolist()
    [25.0, 100.0, 50.0]
    >>> normalise(raw, method="minmax")["J_A"].round(2).tolist()
    [0.0, 100.0, 33.33]

    Formula (1) is undefined for a negative value; min-max takes it, per column if need be:

    >>> raw["J_E"] = [-1.0, 3.0, 1.0]
    >>> normalise(raw)
    Traceback (most recent call last):
    ...
    itclusters.indices.NormalisationError: J_E, a 2016: value -1.0 is negative; ...
    >>> normalise(raw, {"J_E": "minmax"})["J_E"].tolist()
    [0.0, 100.0, 50.0]
    """
    chosen = _methods(df, method)
    numeric = df.astype(float)
    numeric.attrs = dict(df.attrs)
    _by_year(numeric)  # checks the index before anything is computed
    _check_leader_domain(numeric, [c for c, m in chosen.items() if m == "leader"])
    parts = []
    for name in dict.fromkeys(chosen.values()):
        columns = [c for c, m in chosen.items() if m == name]
        parts.append(_by_year(numeric[columns]).apply(NORMALISATIONS[name]))
    return pd.concat(parts, axis=1)[list(df.columns)].reindex(df.index)


# --- formulas (2)-(4) -------------------------------------------------------------------------

def _children(metadata: pd.DataFrame, parent: str) -> pd.Series:
    weights = metadata.loc[metadata["parent"] == parent, "weight"].astype(float)
    if weights.empty:
        raise ValueError(f"metadata: node {parent!r} has no children")
    if (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(f"metadata: weights under {parent!r} must be non-negative and not all "
                         f"zero, got {weights.to_dict()}")
    return weights / weights.sum()


def aggregate(normalised: pd.DataFrame, metadata: pd.DataFrame | None = None) -> pd.DataFrame:
    """Weighted arithmetic means up the index tree (formulas 2-4 with the default metadata).

    Returns one column per group and one for the index (named as in the metadata), for the
    same index as ``normalised``.  A region missing an indicator gets a missing group value.
    """
    meta = default_metadata() if metadata is None else metadata
    out = pd.DataFrame(index=normalised.index)
    groups = meta.index[meta["level"] == "group"].tolist()
    roots = meta.index[meta["level"] == "index"].tolist()
    if len(roots) != 1:
        raise ValueError(f"metadata must have exactly one node with level 'index', got {roots}")
    for group in groups:
        weights = _children(meta, group)
        missing = [c for c in weights.index if c not in normalised.columns]
        if missing:
            raise ValueError(f"indicator column(s) {missing} of group {group!r} are not in the "
                             f"table; its columns are {list(normalised.columns)}")
        out[group] = normalised[weights.index].mul(weights, axis=1).sum(axis=1, min_count=len(weights))
        out.loc[normalised[weights.index].isna().any(axis=1), group] = np.nan
    weights = _children(meta, roots[0])
    out[roots[0]] = out[weights.index].mul(weights, axis=1).sum(axis=1, min_count=len(weights))
    out.loc[out[weights.index].isna().any(axis=1), roots[0]] = np.nan
    return out


@checked
def innovation_index(df: pd.DataFrame, metadata: pd.DataFrame | None = None,
                     method: str = "leader") -> pd.DataFrame:
    """The index of innovative development, formulas (1)-(4).

    Normalises each raw indicator to the year's leader (formula 1), averages the groups
    (formula 2: susceptibility = mean of J_D, J_E, J_F; formula 3: activity = mean of J_A,
    J_B, J_C) and the two groups with weight 0.5 each (formula 4).

    Parameters
    ----------
    df : DataFrame
        Raw indicators indexed by ``(region_id, year)``; columns carry the metadata codes
        (by default the article's ``J_A`` ... ``J_F``).
    metadata : DataFrame, optional
        Index tree (see :func:`default_metadata`).
    method : {"leader", "minmax"}
        Normalisation of the indicators whose metadata ``normalisation`` is empty (see
        :func:`normalise`); ``"leader"`` is the article's formula (1).  Only methods that give
        0-100 are allowed, so the index is always within [0, 100].

    Returns
    -------
    DataFrame
        Columns ``susceptibility``, ``activity``, ``index`` (0-100 with the default method).

    Examples
    --------
    A region leading on every indicator scores 100:

    >>> idx = pd.MultiIndex.from_product([["a", "b"], [2016]], names=["region_id", "year"])
    >>> raw = pd.DataFrame({c: [1.0, 4.0] for c in ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]},
    ...                    index=idx)
    >>> innovation_index(raw)["index"].tolist()
    [25.0, 100.0]
    """
    meta = default_metadata() if metadata is None else metadata
    codes = indicator_codes(meta)
    missing = [c for c in codes if c not in df.columns]
    if missing:
        raise ValueError(f"indicator column(s) {missing} are missing; expected {codes}")
    methods = {}
    for code in codes:
        chosen = meta.loc[code, "normalisation"] if "normalisation" in meta.columns else None
        methods[code] = chosen if isinstance(chosen, str) and chosen else method
    for code, name in methods.items():
        if name not in _BOUNDED:
            raise ValueError(f"normalisation {name!r} for {code} does not give 0-100 values; the "
                             f"index uses {' or '.join(map(repr, _BOUNDED))}")
    raw = df[codes].astype(float)
    raw.attrs = dict(df.attrs)
    _check_leader_domain(raw, [c for c, m in methods.items() if m == "leader"])
    flipped = raw.copy()
    lower_better = meta.loc[codes, "direction"] < 0
    for code in lower_better[lower_better].index:
        # lower is better: invert so that the best region leads (1/x keeps ratios for "leader")
        if methods[code] == "leader":
            zero = raw[code] == 0
            if zero.any():
                key = raw.index[zero.to_numpy()][0]
                raise NormalisationError(
                    f"{_cell(raw, key, code)}: value 0 cannot lead an indicator where lower is "
                    f"better (formula 1 would divide by it); use min-max for {code}")
            flipped[code] = 1.0 / raw[code]
        else:
            flipped[code] = -raw[code]
    result = aggregate(normalise(flipped, method=methods), meta)
    # weighted means of values in [0, 100] stay there; clip only the last-bit rounding
    excess = (result - result.clip(0.0, 100.0)).abs().max().max()
    if excess > 1e-9:  # pragma: no cover - would be a bug in the formulas above
        raise AssertionError(f"index outside [0, 100] by {excess}")
    return result.clip(0.0, 100.0)


#: Normalisations whose values lie in [0, 100], so that the index does too.
_BOUNDED = ("leader", "minmax")


# --- the symbolic scale -----------------------------------------------------------------------

@dataclass(frozen=True)
class GradeScale:
    """Letter bands on the 0-100 index: ``labels[i]`` covers ``[cuts[i-1], cuts[i])``.

    >>> GradeScale(cuts=(50,), labels=("low", "high")).labels
    ('low', 'high')
    """

    cuts: tuple[float, ...]
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.cuts) + 1:
            raise ValueError(f"a scale with {len(self.cuts)} cut points needs "
                             f"{len(self.cuts) + 1} labels, got {len(self.labels)}")
        if list(self.cuts) != sorted(set(self.cuts)):
            raise ValueError(f"cut points must be strictly increasing, got {self.cuts}")


#: Ten-point bands, **inferred**: the article does not state its cut points.  These reproduce
#: all 32 letters of Table 1 (see ``data/paper/README.md``); A could equally start at 70.
DEFAULT_SCALE = GradeScale(cuts=(20.0, 30.0, 40.0, 50.0, 60.0),
                           labels=("C", "C+", "C++", "B", "B+", "A"))


@checked
def grade(values, scale: GradeScale | None = None) -> pd.Series:
    """Letters of the article's "symbolic scale" for index values.

    The default scale is inferred (see :data:`DEFAULT_SCALE`); missing values get no letter.

    >>> grade(pd.Series([11.25, 46.49, 51.83, 76.05, None])).tolist()
    ['C', 'B', 'B+', 'A', nan]
    """
    scale = DEFAULT_SCALE if scale is None else scale
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=float)
    numbers = series.astype(float)
    positions = np.searchsorted(np.asarray(scale.cuts), numbers.to_numpy(), side="right")
    letters = np.asarray(scale.labels, dtype=object)[np.minimum(positions, len(scale.labels) - 1)]
    letters[numbers.isna().to_numpy()] = np.nan
    return pd.Series(letters, index=series.index, name="grade", dtype=object)


@checked
def consistent_cuts(values: pd.Series, letters: pd.Series,
                    labels: Sequence[str] = DEFAULT_SCALE.labels) -> pd.DataFrame:
    """For each boundary between adjacent letters, the interval of cut points that keeps
    every published letter: ``(highest value of the lower letter, lowest value of the upper]``.

    A boundary whose letters do not both occur gets an open side (NaN).

    >>> from itclusters.data import paper_table
    >>> t1 = paper_table(1)
    >>> consistent_cuts(t1["index"], t1["grade"]).loc["C++|B"].tolist()
    [34.94, 46.49]
    """
    frame = pd.DataFrame({"value": values.astype(float), "letter": letters}).dropna()
    unknown = set(frame["letter"]) - set(labels)
    if unknown:
        raise ValueError(f"letters {sorted(unknown)} are not on the scale {list(labels)}")
    rows = {}
    for lower, upper in zip(labels[:-1], labels[1:]):
        below = frame.loc[frame["letter"].map(labels.index) <= labels.index(lower), "value"]
        above = frame.loc[frame["letter"].map(labels.index) >= labels.index(upper), "value"]
        low, high = (below.max() if len(below) else np.nan), (above.min() if len(above) else np.nan)
        if not np.isnan(low) and not np.isnan(high) and low >= high:
            raise ValueError(f"no fixed cut separates {lower} (up to {low}) from {upper} "
                             f"(from {high})")
        rows[f"{lower}|{upper}"] = (low, high)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["above", "at_most"])


# --- formula (5) ------------------------------------------------------------------------------

@checked
def it_share(values: pd.Series, national_total: float | None = None,
             to: str | None = None) -> pd.Series:
    """The article's "modified Krugman specialisation index", formula (5): R_IT / C_IT.

    A region's share of the national IT total.  ``national_total=None`` uses the sum of the
    regions given (missing values skipped); a number uses that national figure instead.
    Missing regional values stay missing.  Units of several layouts (South Kazakhstan with
    Shymkent) are refused: their sum would count a territory twice; ``to="kz16"`` (or
    ``"kz17"``) first adds the levels along the crosswalk to that layout.

    Examples
    --------
    >>> it_share(pd.Series({"a": 1.0, "b": 3.0, "c": None}))
    a    0.25
    b    0.75
    c     NaN
    Name: it_share, dtype: float64
    >>> it_share(pd.Series({"a": 1.0, "b": 3.0}), national_total=8.0).tolist()
    [0.125, 0.375]
    """
    numbers = values.astype(float)
    if isinstance(numbers.index, pd.MultiIndex):
        raise ValueError("it_share takes one year: a Series indexed by region id")
    from .layouts import harmonise, ids_layout

    if to is not None:
        numbers = harmonise(numbers, to=to).astype(float)
    ids_layout(numbers.index, "IT output")
    if (numbers < 0).any():
        raise ValueError(f"IT output cannot be negative: {numbers[numbers < 0].to_dict()}")
    total = numbers.sum(skipna=True) if national_total is None else float(national_total)
    if not total > 0:
        raise ValueError(f"the national total must be positive, got {total}")
    if national_total is not None and numbers.sum(skipna=True) > total * (1 + 1e-9):
        raise ValueError(f"the regions add up to {numbers.sum():,.1f}, more than the national "
                         f"total {total:,.1f}")
    return (numbers / total).rename("it_share")
