"""Reproducing the article's Tables 1 and 3 from what it prints, cell by cell.

The facts checked here are those listed in ``data/paper/README.md``; the functions take the
tables as arguments (defaulting to the bundled ones) so that they stay pure and testable.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import checked
from .indices import GradeScale, grade, it_share

__all__ = ["implied_national_total", "denominator_subsets", "describe_subsets", "audit_table3",
           "audit_table1", "STATED_TOTALS"]

#: Totals the article's text states, million KZT (Table 2 for 2010-2016, and 2016 alone).
STATED_TOTALS = {"2010-2016": 120_300.0, "2016": 36_500.0}

_HALF_UNIT = 0.0005  # Table 3 prints three decimals
_MAX_SEARCH_REGIONS = 20  # 2**20 subsets x 20 regions of booleans is about 20 MB


def implied_national_total(values: pd.Series, printed: pd.Series) -> tuple[float, float]:
    """The interval of national totals C for which ``round(values / C, 3) == printed`` holds
    for every region with both a value and a positive printed share.

    >>> low, high = implied_national_total(pd.Series([1.0, 3.0]), pd.Series([0.25, 0.75]))
    >>> round(low, 4), round(high, 4)
    (3.9973, 4.0027)
    """
    both = pd.DataFrame({"x": values, "v": printed}).dropna()
    both = both[both["v"] > 0]
    if both.empty:
        return (np.nan, np.nan)
    low = (both["x"] / (both["v"] + _HALF_UNIT)).max()
    high = (both["x"] / (both["v"] - _HALF_UNIT)).min()
    return (float(low), float(high)) if low <= high else (np.nan, np.nan)


def _reproduces(values: np.ndarray, printed: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """For each candidate total, whether every printed share is ``round(value / total, 3)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = values[None, :] / totals[:, None]
    hit = np.isclose(np.round(shares, 3), printed[None, :], rtol=0, atol=1e-9).all(axis=1)
    return hit & (totals > 0)


def denominator_subsets(year: int, table2: pd.DataFrame | None = None,
                        table3: pd.DataFrame | None = None) -> pd.DataFrame:
    """Search every subset of the regions for a sum that reproduces Table 3's column of ``year``.

    A subset reproduces the column when its Table 2 total ``S`` gives, for every region
    with a printed Table 3 value, ``round(x / S, 3)`` equal to the printed value (Table 3
    prints three decimals; a printed "—" is not a number and is not checked).  All
    ``2**16`` subsets of the 16 regions are searched.  A region printed "—" in Table 2 has
    no value: a subset holding it has no known total (missing is not zero), so the subsets
    with a known total are the ``2**m`` subsets of the ``m`` regions with a value.  Reading
    "—" as zero instead would give the same totals, each ``2**(16 - m)`` times; that count
    is reported too.

    Returns
    -------
    DataFrame
        One row per reproducing subset of the regions with a value: ``regions`` (tuple of
        ids), ``n_regions``, ``total`` (million KZT), ``contains_every_printed`` (the
        subset holds every region with a printed value) and ``printed_left_out`` (tuple of
        the printed regions not in it); sorted by total.  ``.attrs``: ``year``,
        ``printed`` (ids with a printed value), ``with_value`` (ids with a Table 2 value),
        ``searched`` (``2**16``), ``searched_known`` (subsets with a known total),
        ``reproducing`` (reproducing subsets among those) and ``reproducing_dash_as_zero``.

    Examples
    --------
    >>> found = denominator_subsets(2016)
    >>> found.attrs["searched"], found.attrs["searched_known"], len(found)
    (65536, 2048, 1)
    >>> row = found.iloc[0]
    >>> sorted(row["regions"]), round(float(row["total"]), 1), len(row["printed_left_out"])
    (['almaty_city', 'astana', 'north_kazakhstan', 'south_kazakhstan'], 33253.4, 7)
    >>> bool(found["contains_every_printed"].any())
    False
    """
    if table2 is None or table3 is None:
        from .data import paper_table
        table2 = paper_table(2) if table2 is None else table2
        table3 = paper_table(3) if table3 is None else table3
    regions = list(table2.index.get_level_values("region_id").unique())
    x = table2["it_production"].xs(year, level="year").reindex(regions).astype(float)
    v = table3["ksi"].xs(year, level="year").reindex(regions).astype(float)
    printed = v.notna().to_numpy()
    known = x.notna().to_numpy()
    n = len(regions)
    if n > _MAX_SEARCH_REGIONS:
        raise ValueError(f"Table 2 has {n} regions: searching all 2**{n} subsets is too large "
                         f"(at most {_MAX_SEARCH_REGIONS} regions)")
    members = ((np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    totals = members @ np.nan_to_num(x.to_numpy())
    if (printed & ~known).any():  # a printed share without a Table 2 value: nothing reproduces it
        hit = np.zeros(len(members), dtype=bool)
    else:
        hit = _reproduces(x.to_numpy()[printed], v.to_numpy()[printed], totals)
    with_total = ~members[:, ~known].any(axis=1)
    rows = []
    for mask, total in zip(members[hit & with_total], totals[hit & with_total]):
        ids = tuple(r for r, m in zip(regions, mask) if m)
        left_out = tuple(r for r, m, p in zip(regions, mask, printed) if p and not m)
        rows.append({"regions": ids, "n_regions": len(ids), "total": round(float(total), 6),
                     "contains_every_printed": not left_out, "printed_left_out": left_out})
    columns = ["regions", "n_regions", "total", "contains_every_printed", "printed_left_out"]
    found = pd.DataFrame(rows, columns=columns).sort_values("total", ignore_index=True)
    found.attrs.update({
        "year": year,
        "printed": [r for r, p in zip(regions, printed) if p],
        "with_value": [r for r, k in zip(regions, known) if k],
        "searched": int(len(members)),
        "searched_known": int(with_total.sum()),
        "reproducing": int((hit & with_total).sum()),
        "reproducing_dash_as_zero": int(hit.sum()),
    })
    return found


def describe_subsets(found: pd.DataFrame) -> str:
    """The finding of :func:`denominator_subsets` as Markdown sentences, computed from it.

    >>> text = describe_subsets(denominator_subsets(2016))
    >>> "33,253.4" in text, "no subset that contains every region with a printed value" in text
    (True, True)
    """
    from .ranking import join_names
    from .presentation import display_name

    year, n_printed = found.attrs["year"], len(found.attrs["printed"])
    names = lambda ids: join_names(display_name(r) for r in ids)  # noqa: E731
    text = (f"**{year}.** Of the {found.attrs['searched']:,} subsets of the 16 regions, "
            f"{found.attrs['searched_known']:,} have a known Table 2 total (the others hold a "
            f"region printed \"—\", which has no value); ")
    if found.empty:
        return text + f"none reproduces the {n_printed} printed values to three decimals."
    text += (f"{len(found)} reproduce{'s' if len(found) == 1 else ''} all {n_printed} printed "
             f"values to three decimals: ")
    parts = []
    for _, row in found.iterrows():
        left = row["printed_left_out"]
        added = [r for r in row["regions"] if r not in found.attrs["printed"]]
        if len(left) + len(added) < len(row["regions"]):  # shorter said as a difference
            who = f"the {n_printed} regions with a printed value"
            who += f" without {names(left)}" if left else ""
            who += f"{',' if left else ''} with {names(added)}" if added else ""
        else:
            who = f"{names(row['regions'])} (leaving out {len(left)} of the {n_printed} regions " \
                  f"with a printed value)"
        parts.append(f"{who}: {row['total']:,.1f} million KZT")
    text += "; ".join(parts) + ". "
    complete = found[found["contains_every_printed"]]
    if complete.empty:
        text += ("So no subset that contains every region with a printed value reproduces the "
                 "column; a subset that does reproduce it leaves printed regions out of the "
                 "national total, which is very likely a coincidence.")
    else:
        text += (f"{'Only one' if len(complete) == 1 else len(complete)} of them "
                 f"contain{'s' if len(complete) == 1 else ''} every region with a printed value "
                 f"({', '.join(f'{t:,.1f}' for t in complete['total'])} million KZT).")
    return text


@checked
def audit_table3(table2: pd.DataFrame | None = None,
                 table3: pd.DataFrame | None = None) -> pd.DataFrame:
    """Recompute Table 3 (formula 5) from Table 2 under the article's apparent convention.

    For each year of Table 3 the national total is the sum of the Table 2 column over the
    regions that Table 3 prints a value for (so a region printed as "—" in Table 3 is left
    out of the total, as the article did with Pavlodar in 2010).  This reproduces every
    printed 2010 value.  It does not reproduce 2016: there, :func:`denominator_subsets`
    finds that no subset holding every region with a printed value does, and that the one
    subset that does leaves most of them out (see ``.attrs["subsets"]``); the interval of
    single national totals consistent with the printed values is reported as well.

    Returns
    -------
    DataFrame
        Indexed by ``(region_id, year)``: ``it_production`` (Table 2), ``published``
        (Table 3), ``recomputed`` (convention above), ``recomputed_all`` (all regions in
        the total), ``difference`` (published - recomputed, rounded to 3 decimals), and
        ``reproduced`` (the recomputed value rounds to the printed one).  ``.attrs`` holds
        ``denominator``, ``column_sum``, ``implied_national_total`` and ``subsets`` (the
        :func:`denominator_subsets` frame), each per year, ``stated_totals`` and
        ``table2_sum``.

    Examples
    --------
    >>> audit = audit_table3()
    >>> y2010 = audit.xs(2010, level="year")
    >>> int(y2010.loc[y2010["published"].notna(), "reproduced"].sum())  # of ten printed
    10
    >>> row = y2010.loc["pavlodar"]  # in Table 2, printed "—" in Table 3
    >>> float(row["it_production"]), bool(row["reproduced"])
    (53.1, False)
    >>> audit.attrs["denominator"][2010]
    16501.5
    >>> found = audit.attrs["subsets"][2016]  # computed: every subset of the regions
    >>> bool(found["contains_every_printed"].any()), [round(float(t), 1) for t in found["total"]]
    (False, [33253.4])
    """
    if table2 is None or table3 is None:
        from .data import paper_table
        table2 = paper_table(2) if table2 is None else table2
        table3 = paper_table(3) if table3 is None else table3
    production, published = table2["it_production"], table3["ksi"]
    parts, denominators, sums, implied, subsets = [], {}, {}, {}, {}
    for year in sorted(published.index.get_level_values("year").unique()):
        x = production.xs(year, level="year")
        v = published.xs(year, level="year").reindex(x.index)
        counted = x[v.notna()]
        denominators[year] = round(float(counted.sum()), 6)
        sums[year] = round(float(x.sum()), 6)
        implied[year] = implied_national_total(x, v)
        subsets[year] = denominator_subsets(year, table2, table3)
        # plain division: under this convention the regions may add up to more than the total
        recomputed = x / denominators[year]
        recomputed_all = it_share(x)
        frame = pd.DataFrame({
            "it_production": x, "published": v, "recomputed": recomputed,
            "recomputed_all": recomputed_all,
        })
        frame["difference"] = (frame["published"] - frame["recomputed"].round(3)).round(3)
        # a "—" is reproduced only where Table 2 has no value either
        frame["reproduced"] = np.where(
            frame["published"].isna(), frame["it_production"].isna(),
            np.isclose(frame["recomputed"].round(3), frame["published"], atol=1e-9))
        frame["year"] = year
        parts.append(frame.set_index("year", append=True))
    audit = pd.concat(parts).sort_index()
    audit.index.names = ["region_id", "year"]
    audit.attrs.update({
        "denominator": denominators,
        "column_sum": sums,
        "implied_national_total": implied,
        "subsets": subsets,
        "stated_totals": dict(STATED_TOTALS),
        "table2_sum": round(float(production.sum()), 6),
    })
    return audit


@checked
def audit_table1(table1: pd.DataFrame | None = None, scale: GradeScale | None = None) -> pd.DataFrame:
    """Published letters of Table 1 next to the letters a scale assigns to the published index.

    >>> audit = audit_table1()
    >>> int(audit["agrees"].sum()), len(audit)
    (32, 32)
    """
    if table1 is None:
        from .data import paper_table
        table1 = paper_table(1)
    frame = pd.DataFrame({"index": table1["index"], "published_grade": table1["grade"]})
    frame["grade"] = grade(frame["index"], scale)
    frame["agrees"] = frame["grade"] == frame["published_grade"]
    frame["rank"] = frame.groupby(level="year")["index"].rank(ascending=False, method="min")
    return frame
