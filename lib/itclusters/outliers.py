"""Values a computed sentence should not name without saying what they are.

Two kinds, both on the level series an indicator is computed from (ICT GVA for the ICT share,
location quotient and growth; SDG 9.5.1 for R&D intensity):

- values flagged in the data's READMEs (``data/official/outliers.csv``), kept as published;
- one-year spikes: a value more than twice both its neighbours' (the years before and after,
  same unit id, so the same territory) or below half of both.

:func:`concerns` says, for the units a sentence names, which of their values are such; a unit
shown harmonised (Karaganda incl. Ulytau) is concerned by the values of its parts.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .data import _data_path

__all__ = ["SERIES", "INDICATOR_SERIES", "flagged", "spikes", "concerns"]

#: The level series outliers are looked for in, by name, with their unit and what they are.
SERIES = {
    "ict_gva": ("million KZT", "ICT value added"),
    "rd_pct": ("% of GRP", "R&D expenditure (SDG 9.5.1)"),
}
#: Which level series each indicator of :func:`~itclusters.today.today_panel` is computed from.
INDICATOR_SERIES = {
    "ict_share": "ict_gva", "ict_lq": "ict_gva", "ict_lq_grp": "ict_gva", "ict_growth": "ict_gva",
    "ict_gva": "ict_gva", "rd_intensity": "rd_pct", "rd_per_employed": "rd_pct",
    "rd_expenditure": "rd_pct",
}


@lru_cache(maxsize=1)
def flagged() -> pd.DataFrame:
    """The values the data's READMEs flag, indexed by ``(series, region_id, year)``.

    >>> flagged().loc[("ict_gva", "pavlodar", 2022), "value"]
    np.float64(54623.9)
    """
    path = _data_path("official", "outliers.csv")
    table = pd.read_csv(path, dtype={"series": str, "region_id": str, "year": int})
    unknown = sorted(set(table["series"]) - set(SERIES))
    if unknown:
        raise ValueError(f"{path}: unknown series {unknown}; known: {', '.join(SERIES)}")
    return table.set_index(["series", "region_id", "year"]).sort_index()


@lru_cache(maxsize=None)
def _levels(series: str) -> pd.Series:
    """The level series by unit id and year, every unit the source has (all territories)."""
    from .data import official_current

    if series == "ict_gva":
        return official_current("ict_gva", all_rows=True)["value"]
    if series == "rd_pct":
        from .today import _levels as today_levels

        return today_levels()["rd_pct"]
    raise ValueError(f"unknown series {series!r}; known: {', '.join(SERIES)}")


def spikes(values: pd.Series) -> pd.Series:
    """True where a value is more than twice both neighbours' or below half of both.

    ``values`` is indexed by ``(region_id, year)``; neighbours are the same id one year before
    and after (a missing or non-positive neighbour means no verdict: False).

    >>> v = pd.Series([0.02, 0.42, 0.05], index=pd.MultiIndex.from_product(
    ...     [["north_kazakhstan"], [2021, 2022, 2023]], names=["region_id", "year"]))
    >>> spikes(v).tolist()
    [False, True, False]
    """
    ids = values.index.get_level_values("region_id")
    years = values.index.get_level_values("year")
    before = values.reindex(pd.MultiIndex.from_arrays([ids, years - 1])).to_numpy()
    after = values.reindex(pd.MultiIndex.from_arrays([ids, years + 1])).to_numpy()
    now = values.to_numpy()
    known = (before > 0) & (after > 0) & (now > 0)
    high = (now > 2 * before) & (now > 2 * after)
    low = (now < before / 2) & (now < after / 2)
    return pd.Series(known & (high | low), index=values.index)


def _parts(unit: str, year: int) -> tuple[str, ...]:
    from .presentation import _parts_in

    parts = _parts_in(unit, year)
    return parts if parts else (unit,)


def concerns(indicator: str, unit: str, years) -> list[str]:
    """What the values behind ``indicator`` for ``unit`` in ``years`` carry: one phrase per
    flagged value or spike ("ICT value added of Pavlodar in 2022 (54,623.9 million KZT; 33,965.5
    in 2021; 28,743.0 in 2023) is flagged as an outlier in data/official/current/README.md").
    Empty for an indicator not computed from a watched series.

    >>> concerns("ict_lq", "pavlodar", [2022])[0].startswith("ICT value added of Pavlodar in 2022")
    True
    >>> concerns("ict_lq", "pavlodar", [2021])
    []
    """
    series = INDICATOR_SERIES.get(indicator)
    if series is None:
        return []
    from .presentation import display_name

    unit_text, what = SERIES[series]
    table = flagged()
    levels = _levels(series)
    peaks = spikes(levels)
    out = []
    for year in sorted(set(int(y) for y in years)):
        for part in _parts(unit, year):
            key = (series, part, year)
            if key in table.index:
                row = table.loc[key]
                out.append(f"{what} of {display_name(part)} in {year} ({row['value']:,} "
                           f"{unit_text}; {row['neighbours']}) is flagged as an outlier in "
                           f"{row['source'].split(' (')[0]}")
            elif (part, year) in peaks.index and peaks[(part, year)]:
                before, after = levels[(part, year - 1)], levels[(part, year + 1)]
                out.append(f"{what} of {display_name(part)} in {year} ({levels[(part, year)]:,} "
                           f"{unit_text}) is a one-year spike ({before:,} in {year - 1}, "
                           f"{after:,} in {year + 1})")
    return out
