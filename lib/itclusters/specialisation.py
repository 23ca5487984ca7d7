r"""Classic specialisation and concentration measures over a region x sector matrix.

``matrix`` is a DataFrame with regions as rows and sectors as columns, holding value added
or employment :math:`E_{r,s}` for one year (any sector coding).  Row totals
:math:`E_{r\cdot}`, column totals :math:`E_{\cdot s}` and the grand total
:math:`E_{\cdot\cdot}` are taken over the matrix itself, so the rows should be all the
regions of the country and the columns should partition each region's total.
"""
from __future__ import annotations

import pandas as pd

from ._checks import checked

__all__ = [
    "sector_share",
    "location_quotient",
    "krugman_index",
    "KRUGMAN_REFERENCES",
    "hoover_index",
    "hhi",
    "sector_location_quotient",
    "rank_correlations",
]


def _check(matrix: pd.DataFrame) -> pd.DataFrame:
    from .layouts import ids_layout

    ids_layout(matrix.index, "the matrix's regions")  # a territory counted twice skews the country
    numbers = matrix.astype(float)
    if numbers.isna().any().any():
        cells = numbers.stack()
        missing = cells[cells.isna()].index.tolist()[:5]
        raise ValueError(f"the matrix has missing cells, e.g. {missing}; drop or fill those "
                         f"sectors explicitly before computing shares")
    if (numbers < 0).any().any():
        raise ValueError("the matrix has negative cells; shares need non-negative values")
    empty = numbers.index[numbers.sum(axis=1) <= 0].tolist()
    if empty:
        raise ValueError(f"region(s) {empty} have a zero total")
    return numbers


def _structure(numbers: pd.DataFrame) -> pd.DataFrame:
    """Each region's sector shares, E[r, s] / E[r, .]."""
    return numbers.div(numbers.sum(axis=1), axis=0)


@checked
def sector_share(matrix: pd.DataFrame) -> pd.DataFrame:
    r"""Each region's share of each national sector, :math:`E_{r,s} / E_{\cdot s}`.

    For the IT sector this is the article's formula (5) with the national total taken as the
    sum of the regions.  Every column sums to 1.

    >>> m = pd.DataFrame({"IT": [1.0, 3.0], "other": [9.0, 7.0]}, index=["a", "b"])
    >>> sector_share(m)["IT"].tolist()
    [0.25, 0.75]
    """
    numbers = _check(matrix)
    return numbers.div(numbers.sum(axis=0), axis=1)


@checked
def location_quotient(matrix: pd.DataFrame) -> pd.DataFrame:
    r"""Location quotient :math:`LQ_{r,s} = (E_{r,s}/E_{r\cdot}) / (E_{\cdot s}/E_{\cdot\cdot})`.

    Above 1: the sector weighs more in the region than in the country.  The mean of a
    sector's LQ weighted by the regions' totals is 1.

    >>> m = pd.DataFrame({"IT": [1.0, 3.0], "other": [9.0, 7.0]}, index=["a", "b"])
    >>> location_quotient(m).round(3)
        IT  other
    a  0.5  1.125
    b  1.5  0.875
    """
    numbers = _check(matrix)
    national = numbers.sum(axis=0) / numbers.to_numpy().sum()
    return _structure(numbers).div(national, axis=1)


def _krugman_country(numbers: pd.DataFrame) -> pd.Series:
    national = numbers.sum(axis=0) / numbers.to_numpy().sum()
    return _structure(numbers).sub(national, axis=1).abs().sum(axis=1)


def _krugman_rest(numbers: pd.DataFrame) -> pd.Series:
    rest = numbers.sum(axis=0).to_numpy() - numbers
    if (rest.sum(axis=1) <= 0).any():
        raise ValueError("the rest of the country is empty for some region; "
                         "reference='rest' needs at least two regions with output")
    return _structure(numbers).sub(_structure(rest)).abs().sum(axis=1)


KRUGMAN_REFERENCES = {"country": _krugman_country, "rest": _krugman_rest}


@checked
def krugman_index(matrix: pd.DataFrame, reference: str = "country") -> pd.Series:
    r"""Krugman specialisation index :math:`K_r = \sum_s |E_{r,s}/E_{r\cdot} - E_{\cdot s}/E_{\cdot\cdot}|`.

    0 means the region has the reference's structure, 2 that they share no sector.
    ``reference="country"`` compares with the whole country (the region included);
    ``"rest"`` with the rest of the country (the region left out), as Krugman did.
    Splitting a sector can only raise the index (the triangle inequality), so values are
    comparable only on one sector list: across years, use
    ``sector_matrix(year, sectors="consistent")``.

    >>> disjoint = pd.DataFrame({"IT": [3.0, 0.0], "other": [0.0, 5.0]}, index=["a", "b"])
    >>> krugman_index(disjoint, reference="rest").tolist()
    [2.0, 2.0]
    >>> alike = pd.DataFrame({"IT": [1.0, 2.0], "other": [3.0, 6.0]}, index=["a", "b"])
    >>> krugman_index(alike).tolist()
    [0.0, 0.0]
    """
    if reference not in KRUGMAN_REFERENCES:
        raise ValueError(f"unknown reference {reference!r}; use one of {list(KRUGMAN_REFERENCES)}")
    return KRUGMAN_REFERENCES[reference](_check(matrix)).rename("krugman_index")


@checked
def hoover_index(matrix: pd.DataFrame, reference: str = "country") -> pd.Series:
    """Hoover (dissimilarity) index: half the Krugman index, between 0 and 1.

    >>> m = pd.DataFrame({"IT": [1.0, 0.0], "other": [0.0, 1.0]}, index=["a", "b"])
    >>> hoover_index(m, reference="rest").tolist()
    [1.0, 1.0]
    """
    return (krugman_index(matrix, reference=reference) / 2).rename("hoover_index")


@checked
def hhi(matrix: pd.DataFrame) -> pd.Series:
    r"""Herfindahl-Hirschman concentration of each region's sectors, :math:`\sum_s (E_{r,s}/E_{r\cdot})^2`.

    Ranges from 1/S (all S sectors equal) to 1 (a single sector).

    >>> m = pd.DataFrame({"IT": [1.0, 1.0], "other": [0.0, 1.0]}, index=["a", "b"])
    >>> hhi(m).tolist()
    [1.0, 0.5]
    """
    return (_structure(_check(matrix)) ** 2).sum(axis=1).rename("hhi")


def sector_location_quotient(sector: pd.Series, totals: pd.Series) -> pd.Series:
    r"""Location quotient of one sector from its regional values and the regions' totals.

    :math:`LQ_r = (x_r / T_r) / (\sum x / \sum T)`, the sums over the regions where both are
    known; a region without a value of the sector gets no quotient (not zero).

    >>> lq = sector_location_quotient(pd.Series({"a": 1.0, "b": 3.0, "c": None}),
    ...                               pd.Series({"a": 10.0, "b": 10.0, "c": 10.0}))
    >>> lq.tolist()
    [0.5, 1.5, nan]
    """
    x, t = sector.astype(float), totals.astype(float).reindex(sector.index)
    if (t.dropna() <= 0).any():
        raise ValueError(f"region totals must be positive: {t[t <= 0].to_dict()}")
    both = x.notna() & t.notna()
    national = x[both].sum() / t[both].sum()
    return (x / t / national).where(both).rename("location_quotient")


def rank_correlations(measures: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ranks of the regions on several measures, and Spearman's rank correlation of each pair.

    Each column of ``measures`` is one measure (higher = more specialised); ranks are 1 for the
    highest value; a region missing on a measure has no rank there, and each correlation uses
    the regions ranked on both measures of the pair.

    >>> m = pd.DataFrame({"a": [3.0, 2.0, 1.0], "b": [30.0, 10.0, 20.0]}, index=["x", "y", "z"])
    >>> ranks, rho = rank_correlations(m)
    >>> ranks["b"].tolist(), float(rho.loc["a", "b"])
    ([1.0, 3.0, 2.0], 0.5)
    """
    numbers = measures.astype(float)
    ranks = numbers.rank(ascending=False, method="average")
    return ranks, numbers.corr(method="spearman")
