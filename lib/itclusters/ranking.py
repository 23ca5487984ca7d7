"""Naming the extreme regions of a ranking without hiding ties.

``Series.idxmax`` returns the first label holding the maximum; a sentence built on it names one
region where several may share the extreme.  These helpers return every tied label, so that a
finding such as "the largest disagreement" names all the regions it concerns.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["extremes", "largest_rank_gaps", "join_names"]


def extremes(values: pd.Series, *, largest: bool = True, tolerance: float = 0.0) -> list:
    """Every label whose value is the largest (or the smallest), ties included, in index order.

    Missing values are skipped; an empty or all-missing Series gives an empty list.
    ``tolerance`` (absolute) counts values that close to the extreme as tied, for numbers
    that went through floating-point arithmetic.

    >>> extremes(pd.Series({"a": 4.0, "b": 1.0, "c": 4.0, "d": None}))
    ['a', 'c']
    >>> extremes(pd.Series({"a": 4.0, "b": 1.0}), largest=False)
    ['b']
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
    known = values.dropna().astype(float)
    if known.empty:
        return []
    edge = known.max() if largest else known.min()
    return known.index[np.abs(known - edge) <= tolerance].tolist()


def largest_rank_gaps(first: pd.Series, second: pd.Series) -> pd.DataFrame:
    """The regions whose ranks on two measures differ most, every tied region included.

    Both measures are ranked (1 = highest, ties get their average rank) over the regions
    that have a value on both; the gap is the absolute difference of the two ranks.

    Returns
    -------
    DataFrame
        One row per region at the largest gap: ``rank_first``, ``rank_second``, ``gap``;
        ``.attrs["n"]`` is the number of regions ranked on both.

    >>> a = pd.Series({"p": 1.0, "q": 2.0, "r": 3.0, "s": 4.0, "t": None})
    >>> b = pd.Series({"p": 4.0, "q": 2.0, "r": 3.0, "s": 1.0, "t": 9.0})
    >>> largest_rank_gaps(a, b)["gap"].to_dict()
    {'p': 3.0, 's': 3.0}
    """
    both = pd.DataFrame({"first": first, "second": second}).astype(float).dropna()
    ranks = both.rank(ascending=False, method="average")
    frame = pd.DataFrame({"rank_first": ranks["first"], "rank_second": ranks["second"],
                          "gap": (ranks["first"] - ranks["second"]).abs()})
    # ranks are whole or half numbers: exact comparison finds every tie
    out = frame.loc[extremes(frame["gap"])] if len(frame) else frame
    out.attrs["n"] = len(both)
    return out


def join_names(names: Iterable[str], conjunction: str = "and") -> str:
    """Names as an English list: ``"A"``, ``"A and B"``, ``"A, B and C"``.

    >>> join_names(["Aktobe", "North-Kazakhstan"])
    'Aktobe and North-Kazakhstan'
    >>> join_names(["A", "B", "C"])
    'A, B and C'
    >>> join_names([])
    ''
    """
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"
