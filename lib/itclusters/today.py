"""Indicators of 2010 to the latest year, each year on its layout or harmonised to an earlier one.

Levels come from ``data/official/current/`` (ICT and manufacturing GVA, GRP, employment, average
population) and ``data/official/sdg/`` (R&D expenditure as % of GRP, researchers per million,
internet users).  Every ratio is computed from levels on one layout per year: the layout in force
that year (``layout=None``) or an earlier one (``layout="kz16"`` / ``"kz17"``) reached by adding
levels along the crosswalk (:func:`~itclusters.harmonise`); nothing is averaged, interpolated or
filled in.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd

from .catalogue import INDICATORS, Indicator
from .data import official_current, sdg_series
from .layouts import LAYOUTS, NATIONAL, _flags, harmonise, layout_of, layout_units
from .presentation import PERCENT
from .ranking import extremes
from .specialisation import location_quotient

__all__ = ["TODAY_INDICATORS", "today_panel", "latest_year", "it_poles", "rd_expenditure",
           "display_names", "for_maps", "poles_by_year", "pole_changes", "ict_growth_since",
           "summary", "rd_format", "rd_caption", "rd_notes", "explorer_panel", "explorer_panels",
           "OWN_REGIONS", "KZ17_REGIONS", "KZ16_REGIONS"]

_BNS = "Bureau of National Statistics of Kazakhstan"
#: Years whose 9.5.1 comes from the full-precision file: there its regions add up to the
#: Republic exactly; its 2017 column is partly rounded (data/official/README.md).
FULL_PRECISION_YEARS = range(2010, 2017)

#: What each column of :func:`today_panel` is (the catalogue's descriptions, adapted where the
#: 2010-2025 definition differs from the 2010-2016 one).
TODAY_INDICATORS: dict[str, Indicator] = {
    # the catalogue's indicators (one label, one unit each), with what differs in 2010-2025
    "ict_share": INDICATORS["ict_share"],
    "ict_lq": INDICATORS["ict_lq_grp"],
    "ict_growth": INDICATORS["ict_growth"],
    "grp_per_capita": replace(
        INDICATORS["grp_per_capita"], source=f"{_BNS}; computed",
        note="average population back-cast by the bureau to today's territories: Almaty city "
             "before 2014 counts people of its later territory"),
    "labour_productivity": replace(
        INDICATORS["labour_productivity"],
        note="no 2015: employment is missing for that year"),
    **{code: INDICATORS[code] for code in ("manufacturing_share", "rd_intensity",
                                           "rd_per_employed", "researchers_per_million",
                                           "internet_users")},
}

_LEVELS = ("ict_gva", "grp", "manufacturing_gva", "employed_population", "population_avg")


@lru_cache(maxsize=1)
def _levels() -> dict[str, pd.Series]:
    out = {name: official_current(name)["value"] for name in _LEVELS}
    out["rd_pct"], out["rd_precision"] = _rd_percent()
    out["researchers"] = sdg_series("9.5.2")["value"]
    out["internet"] = sdg_series("17.8.1")["value"]
    return out


def _rd_percent() -> tuple[pd.Series, pd.Series]:
    """9.5.1: full precision where it reconciles with the Republic (2010-2016), else 2 decimals."""
    full = sdg_series("9.5.1", full_precision=True)["value"]
    rounded = sdg_series("9.5.1")["value"]
    years = rounded.index.get_level_values("year")
    full = full[full.index.get_level_values("year").isin(FULL_PRECISION_YEARS)]
    rest = rounded[~years.isin(FULL_PRECISION_YEARS)]
    pct = pd.concat([full, rest]).sort_index()
    precision = pd.Series(np.where(pct.index.get_level_values("year").isin(FULL_PRECISION_YEARS),
                                   "full precision", "2 decimals"), index=pct.index)
    return pct, precision


def latest_year() -> int:
    """The latest year with ICT GVA for the regions.

    >>> latest_year() >= 2025
    True
    """
    return int(_levels()["ict_gva"].index.get_level_values("year").max())


def _year(series: pd.Series, year: int) -> pd.Series | None:
    if year not in set(series.index.get_level_values("year")):
        return None
    return series.xs(year, level="year")


def _on(series: pd.Series | None, layout: str) -> pd.Series | None:
    """A year's levels on ``layout`` (summed along the crosswalk), or None if impossible."""
    if series is None:
        return None
    regional = series.drop(NATIONAL, errors="ignore")
    try:
        return harmonise(series, to=layout) if set(regional.index) != set(layout_units(layout)) \
            else series
    except ValueError:
        return None


def rd_expenditure(year: int) -> pd.Series | None:
    """Internal R&D expenditure (million KZT) on the SDG file's layout of ``year``: 9.5.1 x GRP.

    GRP is first brought to the layout of the SDG rows (in 2021 the GVA tables are already on the
    20 units, 9.5.1 on the 17).
    """
    pct = _year(_levels()["rd_pct"], year)
    if pct is None:
        return None
    regional = pct.drop(NATIONAL, errors="ignore")
    layout = next(lay for lay in LAYOUTS if set(regional.index) <= set(layout_units(lay)))
    grp = _on(_year(_levels()["grp"], year), layout)
    if grp is None:
        return None
    return (pct / 100 * grp).reindex(pct.index)


def _target(year: int, layout: str | None) -> str | None:
    own = layout_of(year)
    if layout is None:
        return own
    if LAYOUTS.index(layout) > LAYOUTS.index(own):
        return None  # the units of an earlier year cannot be split
    return layout


def _weighted(rate: pd.Series | None, population: pd.Series | None, layout: str):
    """A per-person rate merged along the crosswalk, weighted by average population."""
    if rate is None or population is None:
        return None
    pop = _on(population, next(lay for lay in LAYOUTS[::-1]
                               if set(rate.drop(NATIONAL, errors="ignore").index)
                               <= set(layout_units(lay))))
    if pop is None:
        return None
    rate_regional = rate.drop(NATIONAL, errors="ignore")
    full = rate_regional.reindex(pop.drop(NATIONAL, errors="ignore").index)
    levels = _on(full * pop.reindex(full.index), layout)
    weights = _on(pop.drop(NATIONAL, errors="ignore"), layout)
    if levels is None or weights is None:
        return None
    out = levels / weights
    if NATIONAL in rate.index:
        out[NATIONAL] = rate[NATIONAL]
    return out


def today_panel(layout: str | None = None) -> pd.DataFrame:
    """Every indicator of :data:`TODAY_INDICATORS`, 2010 to the latest year.

    Parameters
    ----------
    layout : {None, "kz16", "kz17"}
        ``None``: each year on the layout in force that year (16 units to 2017, 17 to 2021, 20
        from 2022).  ``"kz16"`` or ``"kz17"``: every year that can be brought to it (from 2018
        for ``"kz17"``) harmonised to it.

    Returns
    -------
    DataFrame
        Indexed by ``(region_id, year)`` (the Republic as ``national``), one column per
        indicator plus the levels (``ict_gva``, ``grp``, ``employed``, ``rd_expenditure`` …),
        ``layout`` and ``rd_precision``.  ``.attrs["flags"]`` lists breaks harmonising cannot
        remove.

    Examples
    --------
    >>> panel = today_panel()
    >>> sorted(set(panel.xs(2019, level="year")["layout"]))
    ['kz17']
    >>> lq = panel.xs(2024, level="year")
    >>> w = lq["grp"].drop("national") / lq.loc["national", "grp"]
    >>> round(float((w * lq["ict_lq"].drop("national")).sum()), 12)
    1.0
    """
    if layout is not None and layout not in LAYOUTS[:-1]:
        raise ValueError(f"layout must be None, 'kz16' or 'kz17', got {layout!r}")
    return _own_copy(_computed_panel(layout))


def _own_copy(panel: pd.DataFrame) -> pd.DataFrame:
    """A copy of a kept panel that its caller may change freely: values and ``.attrs`` (the
    flags list, the indicators' dict) are the caller's own."""
    out = panel.copy(deep=True)
    out.attrs = {key: (list(value) if isinstance(value, list) else
                       dict(value) if isinstance(value, dict) else value)
                 for key, value in panel.attrs.items()}
    return out


@lru_cache(maxsize=None)
def _computed_panel(layout: str | None) -> pd.DataFrame:
    """:func:`today_panel` computed once per layout (from the levels :func:`_levels` read once);
    callers get copies (:func:`_own_copy`), never this frame."""
    levels = _levels()
    frames, flags = [], set()
    for year in range(2010, latest_year() + 1):
        target = _target(year, layout)
        if target is None:
            continue
        ids = [*layout_units(target), NATIONAL]
        on = {name: _on(_year(levels[name], year), target) for name in _LEVELS}
        rd = _on(rd_expenditure(year), target)
        columns = {
            "ict_gva": on["ict_gva"], "grp": on["grp"],
            "manufacturing_gva": on["manufacturing_gva"],
            "employed": on["employed_population"], "population": on["population_avg"],
            "rd_expenditure": rd,
        }
        frame = pd.DataFrame({k: (v.reindex(ids) if v is not None else np.nan)
                              for k, v in columns.items()}, index=pd.Index(ids, name="region_id"))
        ict, grp = frame["ict_gva"], frame["grp"]
        frame["ict_share"] = ict / ict[NATIONAL]
        if grp.notna().all() and ict.notna().all():
            matrix = pd.DataFrame({"ict": ict, "other": grp - ict}).drop(NATIONAL)
            frame["ict_lq"] = location_quotient(matrix)["ict"]
            frame.loc[NATIONAL, "ict_lq"] = 1.0
        frame["grp_per_capita"] = grp / frame["population"] * 1000  # million / persons -> thousand
        frame["labour_productivity"] = grp / frame["employed"]     # million / thousand = thousand
        frame["manufacturing_share"] = frame["manufacturing_gva"] / grp
        rd = frame["rd_expenditure"]
        frame["rd_intensity"] = rd / grp * 100
        frame["rd_per_employed"] = rd / frame["employed"] * 1000   # million / thousand -> KZT
        population = _year(levels["population_avg"], year)
        for code, key in (("researchers_per_million", "researchers"),
                          ("internet_users", "internet")):
            merged = _weighted(_year(levels[key], year), population, target)
            frame[code] = merged.reindex(ids) if merged is not None else np.nan
        precision = _year(levels["rd_precision"], year)
        frame["rd_precision"] = (precision.iloc[0] if precision is not None else None)
        frame["layout"] = target
        frame["year"] = year
        frames.append(frame.set_index("year", append=True))
        population = levels["population_avg"]
        in_year = population[population.index.get_level_values("year") == year]
        flags |= set(_flags(in_year.index.get_level_values("region_id"), [year],
                            "population_avg"))
    panel = pd.concat(frames)
    panel["ict_growth"] = (panel["ict_gva"] / _previous_ict(panel["ict_gva"]) - 1) * 100
    panel.attrs["indicators"] = TODAY_INDICATORS
    panel.attrs["layout"] = layout
    ids = set(panel.index.get_level_values("region_id"))
    flags |= set(_flags(ids, panel.index.get_level_values("year")))  # comparisons across years
    panel.attrs["flags"] = sorted(flags)
    return panel


def _previous_ict(ict: pd.Series) -> pd.Series:
    """Each unit's ICT GVA of the year before, on the same territory.

    A unit id never denotes two territories, so the year before is the same id: in the panel
    itself, or else in the bureau's rows of that year on another layout (its 2021 GVA is already
    on the 20 units of 2022; it back-cast Turkestan and Shymkent to 2011).  Growth is therefore
    computed across a change of layout for every unit whose territory did not change (Akmola
    2021-2022) and for the new units the bureau back-cast; never for a unit that did not
    exist the year before on that territory.
    """
    ids = ict.index.get_level_values("region_id")
    years = ict.index.get_level_values("year")
    before = pd.MultiIndex.from_arrays([ids, years - 1], names=["region_id", "year"])
    previous = ict.reindex(before)
    published = official_current("ict_gva", all_rows=True)["value"].reindex(before)
    return pd.Series(previous.fillna(published).to_numpy(), index=ict.index)


def it_poles(panel: pd.DataFrame, year: int) -> pd.DataFrame:
    """The IT poles of ``year``: ICT location quotient above 1 and a share of national ICT GVA of
    at least 1/N (N = number of units that year).

    Returns the units of that year with ``ict_share``, ``ict_lq``, ``threshold`` and ``pole``.
    """
    one = panel.xs(year, level="year").drop(NATIONAL, errors="ignore")
    one = one[one["ict_share"].notna()]
    threshold = 1 / len(one)
    out = one[["ict_share", "ict_lq"]].copy()
    out["threshold"] = threshold
    out["pole"] = (out["ict_lq"] > 1) & (out["ict_share"] >= threshold)
    return out.sort_values("ict_share", ascending=False)


# --- what notebook 09 shows ---------------------------------------------------------------------

REPUBLIC = "Republic of Kazakhstan"


def display_names(ids, year: int | None = None) -> list[str]:
    """Display names of unit ids of any layout (``national`` is the Republic), through the
    suite's one naming function, :func:`itclusters.presentation.display_name`; with ``year``,
    a unit harmonised to an earlier layout is named for what it holds in that year."""
    from .presentation import display_name

    return [REPUBLIC if r == NATIONAL else display_name(r, year=year) for r in ids]


def _and(items: list[str]) -> str:
    items = list(items)
    if not items:
        return "none"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def for_maps(code: str, years, panel: pd.DataFrame) -> pd.Series:
    """``code`` for ``years``, each year on its own layout (16, 17 or 20 units), indexed by
    ``(region_id, year)``: what :func:`~itclusters.small_multiples` draws, one map per layout."""
    pieces = [panel.xs(year, level="year")[code].drop(NATIONAL).to_frame().assign(year=int(year))
              for year in years]
    return pd.concat(pieces).set_index("year", append=True)[code]


def poles_by_year(panel: pd.DataFrame) -> pd.DataFrame:
    """For every year: the number of units, the share threshold 1/N and the poles (names)."""
    rows = []
    for year in sorted(set(panel.index.get_level_values("year"))):
        poles = it_poles(panel, year)
        rows.append({"year": year, "units": len(poles),
                     "share threshold": poles["threshold"].iloc[0],
                     "poles": ", ".join(display_names(poles.index[poles["pole"]]))})
    return pd.DataFrame(rows).set_index("year")


def pole_changes(panel_kz16: pd.DataFrame, since: int, year: int) -> dict[str, list[str]]:
    """Units (of the 16, harmonised) that became poles or stopped being poles between two years."""
    before = set(it_poles(panel_kz16, since).query("pole").index)
    after = set(it_poles(panel_kz16, year).query("pole").index)
    return {"entered": display_names(sorted(after - before)),
            "left": display_names(sorted(before - after)),
            "stayed": display_names(sorted(after & before))}


def ict_growth_since(panel_kz16: pd.DataFrame, since: int, year: int) -> pd.DataFrame:
    """Nominal ICT GVA of two years on the 16 units of 2010-2017 and its growth (%, and % a year)."""
    a = panel_kz16.xs(since, level="year")["ict_gva"]
    b = panel_kz16.xs(year, level="year")["ict_gva"]
    out = pd.DataFrame({f"ICT GVA {since}": a, f"ICT GVA {year}": b})
    out["growth, %"] = (b / a - 1) * 100
    span = year - since
    out["% a year"] = ((b / a) ** (1 / span) - 1) * 100 if span > 0 else np.nan
    return out


def _share(fraction: float) -> str:
    """A share 0-1 as the tables write it, in % with one decimal ("57.7 %")."""
    from .presentation import format_value

    return format_value(fraction, "percent:1")


def _percent(value: float, decimals: int, signed: bool = False) -> str:
    """A number already in per cent, as the tables write it ("+317 %", "−3 %", "0.42 %")."""
    from .presentation import NumberFormat, format_value

    return format_value(value, NumberFormat("number", decimals, signed=signed)) + PERCENT


def _leader(values: pd.Series, indicator: str, years, show, largest: bool = True
            ) -> tuple[str, str, str]:
    """The unit(s) at the extreme of ``values``: their names, the value as ``show`` writes it,
    and a caveat for the same sentence: where a value behind it is flagged as an outlier or is
    a one-year spike (:func:`~itclusters.outliers.concerns`), what it is and who leads without
    the concerned units ("" where nothing is concerned)."""
    from .outliers import concerns

    top = extremes(values, largest=largest)
    if not top:
        return "no region", "no data", ""
    notes = [note for unit in top for note in concerns(indicator, unit, years)]
    if not notes:
        return _and(display_names(top)), show(values[top[0]]), ""
    concerned = [u for u in values.dropna().index if concerns(indicator, u, years)]
    rest = values.drop(concerned)
    others = extremes(rest, largest=largest)
    without = (f"; without {'it' if len(concerned) == 1 else 'them'}, "
               f"{_and(display_names(others))} ({show(rest[others[0]])})" if others else "")
    return _and(display_names(top)), show(values[top[0]]), f" — but {'; '.join(notes)}{without}"


def _earlier_territory(panel_kz17: pd.DataFrame | None, rid: str, year: int) -> str:
    """For a unit reduced in 2022: its share and LQ on the territory of 2021 (like with like)."""
    from .layouts import units
    from .presentation import display_name

    whole = units().loc[rid, "same_name_as"] if rid in units().index else ""
    if panel_kz17 is None or not whole or year not in set(
            panel_kz17.index.get_level_values("year")):
        return ""
    row = panel_kz17.loc[(whole, year)]
    return (f"; on its territory of 2021 ({display_name(whole, year=year)}): share "
            f"{_share(row['ict_share'])}, LQ {row['ict_lq']:.2f}")


def summary(panel: pd.DataFrame, panel_kz16: pd.DataFrame, year: int, since: int = 2016,
            panel_kz17: pd.DataFrame | None = None) -> str:
    """A plain-language summary of ``year`` computed from the data (Markdown).

    A sentence that names a region on a value flagged as an outlier, or on a one-year spike
    (:mod:`itclusters.outliers`), says so and names the leader without it.  A unit reduced in
    2022 is named so ("Karaganda (since 2022)") and, with ``panel_kz17``, also given on its
    territory of 2021.
    """
    poles = it_poles(panel, year)
    names = display_names(poles.index[poles["pole"]])
    top = extremes(poles["ict_share"])  # every unit tied for the extreme is named
    lines = [f"**{year}** ({len(poles)} units): the IT poles (location quotient above 1 and at least "
             f"1/{len(poles)} of national ICT value added) are {_and(names)}."]
    lines.append(f"The largest share of national ICT value added is {_and(display_names(top))}'s, "
                 f"{_share(poles.loc[top[0], 'ict_share'])}; together the poles hold "
                 f"{_share(poles.loc[poles['pole'], 'ict_share'].sum())}.")
    outside = poles.loc[~poles["pole"], "ict_lq"]
    if outside.notna().any():
        who, value, caveat = _leader(outside, "ict_lq", [year], lambda v: f"{v:.2f}")
        lines.append(f"The highest location quotient outside the poles is {who}'s, {value}"
                     f"{caveat}.")
    for rid in ("shymkent", "karaganda", "karaganda_2022"):
        if rid in poles.index:
            row = poles.loc[rid]
            verdict = "a pole" if row["pole"] else "not a pole"
            lines.append(f"{display_names([rid])[0]}: share {_share(row['ict_share'])}, LQ "
                         f"{row['ict_lq']:.2f}, {verdict}"
                         f"{_earlier_territory(panel_kz17, rid, year)}.")
    if year != since:
        first, last = min(since, year), max(since, year)
        changes = pole_changes(panel_kz16, first, last)
        lines.append(f"On the 16 units of the article, from {first} to {last}: poles entering "
                     f"{_and(changes['entered'])}, leaving {_and(changes['left'])}, staying "
                     f"{_and(changes['stayed'])}.")
        growth = ict_growth_since(panel_kz16, first, last)
        national = growth.loc[NATIONAL, "growth, %"]
        who, value, caveat = _leader(growth.drop(NATIONAL)["growth, %"], "ict_growth",
                                     [first, last], lambda v: _percent(v, 0, signed=True))
        lines.append(f"Nominal ICT value added (current prices, inflation included) grew "
                     f"{_percent(national, 0, signed=True)} in the country; fastest in {who} ({value}){caveat}.")
    rd = panel.xs(year, level="year")
    if rd["rd_intensity"].notna().any():
        who, value, caveat = _leader(rd["rd_intensity"].drop(NATIONAL), "rd_intensity", [year],
                                     lambda v: f"{_percent(v, 2)} of its GRP")
        lines.append(f"R&D expenditure was {_percent(rd.loc[NATIONAL, 'rd_intensity'], 2)} of GDP "
                     f"nationally ({rd['rd_precision'].iloc[0]}); highest in {who} ({value})"
                     f"{caveat}.")
    else:
        lines.append(f"The SDG files have no R&D figures for {year}.")
    return "\n".join(f"- {line}" for line in lines)


# --- R&D (SDG 9.5.1) as its source gives it --------------------------------------------------

def _rd_decimals(precision: str) -> int | None:
    """Decimals the bureau printed ("2 decimals" -> 2), ``None`` for its full-precision file."""
    if precision == "full precision":
        return None
    if isinstance(precision, str) and precision.endswith(" decimals") and \
            precision.split()[0].isdigit():
        return int(precision.split()[0])
    raise ValueError(f"unknown 9.5.1 precision {precision!r}: 'full precision' or "
                     f"'N decimals'")


def rd_format(precision: str):
    """The format of R&D intensity (9.5.1, % of GRP) to the precision its source gives:
    the bureau's decimals where it rounded, else the suite's format of ``rd_intensity``.

    >>> rd_format("2 decimals")
    NumberFormat(kind='number', decimals=2, unit='% of GRP', signed=False)
    >>> rd_format("full precision").decimals
    3
    """
    from .presentation import FORMATS, NumberFormat

    suite = FORMATS["rd_intensity"]
    decimals = _rd_decimals(precision)
    return suite if decimals is None else NumberFormat("number", decimals, suite.unit)


def rd_caption(year: int, precision: str) -> str:
    """The caption of a year's R&D table, saying once how precise 9.5.1 is.

    >>> rd_caption(2023, "2 decimals")
    'R&D in 2023 (SDG 9.5.1 as the bureau publishes it: rounded to 2 decimals)'
    >>> rd_caption(2016, "full precision")
    "R&D in 2016 (SDG 9.5.1 from the bureau's full-precision file, shown to 3 decimals)"
    """
    decimals = _rd_decimals(precision)
    if decimals is None:
        return (f"R&D in {year} (SDG 9.5.1 from the bureau's full-precision file, shown to "
                f"{rd_format(precision).decimals} decimals)")
    return f"R&D in {year} (SDG 9.5.1 as the bureau publishes it: rounded to {decimals} decimals)"


def rd_notes(rd: pd.DataFrame, precision: str) -> str:
    """Notes under a year's R&D table (Markdown), from its ``rd_intensity`` column: which units
    read 0 only because the bureau rounds 9.5.1, and what that does to R&D per employed person
    (computed from the share).  Empty where the source is at full precision.

    >>> rd = pd.DataFrame({"rd_intensity": [0.31, 0.01, 0.0]},
    ...                   index=["almaty_city", "turkestan", "atyrau"])
    >>> print(rd_notes(rd, "2 decimals"))
    - Atyrau reads 0.00 % of GRP because the bureau rounds 9.5.1 to 2 decimals: its R&D expenditure was below 0.005 % of its GRP, not necessarily nil. Its R&D expenditure per employed person, computed from that share, reads 0 for the same reason.
    - R&D expenditure per employed person is 9.5.1 × GRP ÷ employment, so it carries the share's rounding: where the share reads 0.01 % (Turkestan) it may be off by up to a half.
    """
    from .presentation import display_names
    from .ranking import join_names

    decimals = _rd_decimals(precision)
    if decimals is None:
        return ""
    share = rd["rd_intensity"].drop(NATIONAL, errors="ignore").dropna()
    step = 10.0 ** -decimals
    lines = []
    zero = list(share.index[share.round(decimals) == 0])
    if zero:
        names = join_names(display_names(zero))
        verb = "reads" if len(zero) == 1 else "read"
        whose = "its" if len(zero) == 1 else "their"
        lines.append(
            f"{names} {verb} {_percent(0, decimals)} of GRP because the bureau rounds 9.5.1 to "
            f"{decimals} decimals: {whose} R&D expenditure was below {step / 2:g}{PERCENT} of {whose} "
            f"GRP, not necessarily nil. {whose.capitalize()} R&D expenditure per employed "
            f"person, computed from that share, reads 0 for the same reason.")
    smallest = list(share.index[share.round(decimals) == round(step, decimals)])
    if smallest:
        lines.append(
            f"R&D expenditure per employed person is 9.5.1 × GRP ÷ employment, so it carries the "
            f"share's rounding: where the share reads {_percent(step, decimals)} "
            f"({join_names(display_names(smallest))}) it may be off by up to a half.")
    return "\n".join(f"- {line}" for line in lines)


# --- the article's index, partly from official data (notebook 07) -----------------------------

#: The official composite: two of the article's indicators (J_A, J_D) from official data and
#: stand-ins for the four that no open source has by region.
OFFICIAL_COMPOSITE = pd.DataFrame([
    ("J_D", "labour productivity (GRP per employed person)", "susceptibility",
     "thousand KZT per employed person",
     "the article's labour productivity, from official data (BNS)"),
    ("OD_GRP_PER_CAPITA", "GRP per capita", "susceptibility", "thousand KZT per person",
     "not in the article: stands in for its stability of production and return on fixed "
     "assets, which have no open data"),
    ("J_A", "R&D expenditure per employed person (SDG 9.5.1 × GRP ÷ employment)", "activity",
     "KZT per employed person",
     "the article's R&D spending per employee, from official data (9.5.1 full precision, "
     "BNS GRP and employment)"),
    ("OD_ICT_INTENSITY", "ICT (section J) share of the region's GVA", "activity",
     "% of the region's GVA",
     "not in the article: IT activity, standing in for its technological-innovation spending "
     "and innovative output, which have no open data"),
    ("OD_INVESTMENT", "investment in fixed capital per employed person", "activity",
     "thousand KZT per employed person",
     "not the article's technological-innovation spending per employed person: all fixed "
     "investment"),
], columns=["code", "name", "parent", "unit", "relation_to_article"]).set_index("code")


def _tree(leaves: pd.DataFrame) -> pd.DataFrame:
    from .indices import default_metadata

    base = default_metadata()
    groups = base[base["level"] != "indicator"]
    table = leaves.assign(level="indicator", weight=1.0, direction=1, nonnegative=True)
    columns = ["name", "level", "parent", "unit", "weight", "direction", "nonnegative"]
    return pd.concat([table[columns], groups[columns]])


def _article_two() -> pd.DataFrame:
    kz16 = today_panel("kz16").drop(NATIONAL, level="region_id")
    return pd.DataFrame({"J_A": kz16["rd_per_employed"], "J_D": kz16["labour_productivity"]})


def official_composite() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The open-data composite with the article's J_A and J_D from official data.

    Like :func:`~itclusters.catalogue.open_data_indicators` (same years: 2010-2014 and 2016,
    every series present for all 16 regions), with labour productivity named as the article's
    J_D and the article's J_A (R&D expenditure per employed person: SDG 9.5.1 at full precision x
    GRP / employment) added to the activity side.  :data:`OFFICIAL_COMPOSITE` says what each
    column is and is not.  Returns the raw table and its metadata for
    :func:`~itclusters.indices.innovation_index`.
    """
    from .catalogue import open_data_indicators

    stand_ins, _ = open_data_indicators()
    raw = stand_ins.drop(columns="OD_PRODUCTIVITY").join(_article_two(), how="inner")
    raw = raw[list(OFFICIAL_COMPOSITE.index)].dropna()
    counts = raw.groupby(level="year").size()
    raw = raw[raw.index.get_level_values("year").isin(counts[counts == 16].index)]
    return raw.sort_index(), _tree(OFFICIAL_COMPOSITE)


def article_indicators_official() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Only the article's own indicators that official data give: J_A (activity) and J_D
    (susceptibility), each standing alone for its group; years where both exist for all 16."""
    raw = _article_two().dropna()
    counts = raw.groupby(level="year").size()
    raw = raw[raw.index.get_level_values("year").isin(counts[counts == 16].index)]
    return raw.sort_index(), _tree(OFFICIAL_COMPOSITE.loc[["J_D", "J_A"]])


def compare_with_table1(index: pd.Series, grades: pd.Series | None = None) -> pd.DataFrame:
    """Ranks and letters of a recomputed index against the article's Table 1, per published year.

    Returns one row per year with Spearman's rank correlation, the number of regions and the
    regions whose letters differ ("published → recomputed").
    """
    from .data import paper_table
    from .indices import grade

    table1 = paper_table(1)
    letters = grade(index) if grades is None else grades
    rows = []
    for year in sorted(set(table1.index.get_level_values("year"))):
        if year not in set(index.index.get_level_values("year")):
            continue
        ours = index.xs(year, level="year")
        theirs = table1["index"].xs(year, level="year").reindex(ours.index)
        ours_letters = letters.xs(year, level="year").reindex(ours.index)
        theirs_letters = table1["grade"].xs(year, level="year").reindex(ours.index)
        differ = ours_letters != theirs_letters
        rows.append({
            "year": year,
            "regions": int(len(ours)),
            "Spearman": float(ours.rank().corr(theirs.rank())),
            "same letter": int((~differ).sum()),
            "letters that differ": "; ".join(
                f"{name} {a} → {b}" for name, a, b in zip(
                    display_names(ours.index[differ]), theirs_letters[differ], ours_letters[differ])),
        })
    return pd.DataFrame(rows).set_index("year")


def explorer_panel(layout: str | None = "kz16") -> pd.DataFrame:
    """The numeric indicators of :func:`today_panel` for :func:`~itclusters.explorer`, regions
    only: ``itc.explorer(panel=today.explorer_panel())`` explores every year with data.

    ``layout="kz16"`` (default) or ``"kz17"``: every year that can be brought to that layout,
    harmonised to it, one map.  ``layout=None``: each year on its own layout (16 units to 2017,
    17 from 2018, 20 from 2022); the explorer redraws the map when the layout changes.
    ``.attrs["layouts"]`` gives the layout of each year's values and ``.attrs["harmonised"]``
    the years shown on a layout earlier than their own.

    >>> panel = explorer_panel()
    >>> sorted(set(panel.index.get_level_values("year")))[-1] == latest_year()
    True
    >>> len(explorer_panel(None).xs(2025, level="year"))
    20
    """
    full = today_panel(layout)
    panel = full.drop(NATIONAL, level="region_id")
    out = panel[list(TODAY_INDICATORS)].rename(columns={"ict_lq": "ict_lq_grp"})
    out.attrs["indicators"] = {code: INDICATORS.get(code, TODAY_INDICATORS.get(code))
                               for code in out.columns}
    # the Republic's value of each year, which the explorer's region profile charts; a share
    # of the national total has none worth charting (100 % every year)
    national = full.xs(NATIONAL, level="region_id")[list(TODAY_INDICATORS)]
    out.attrs["national"] = national.drop(columns="ict_share").rename(
        columns={"ict_lq": "ict_lq_grp"})
    layouts = panel.groupby(level="year")["layout"].first().to_dict()
    out.attrs["layouts"] = layouts
    out.attrs["harmonised"] = sorted(y for y, lay in layouts.items() if lay != layout_of(y))
    return out


#: The labels of :func:`explorer_panels`, as the explorer's "Regions" picker shows them.
OWN_REGIONS = "Each year's own regions"
KZ17_REGIONS = "17 units of 2018–2021 (harmonised)"
KZ16_REGIONS = "16 regions of 2010–2017 (harmonised)"


def explorer_panels() -> dict[str, pd.DataFrame]:
    """The panels of the explorer's "Regions" picker: each year on its own layout
    (:func:`explorer_panel` with ``layout=None``) first, then every year from 2018 harmonised
    to the 17 units of 2018-2021, and every year harmonised to the 16 units of 2010–2017.
    ``itc.explorer(panels=today.explorer_panels())``.

    >>> list(explorer_panels())
    ["Each year's own regions", '17 units of 2018–2021 (harmonised)', '16 regions of 2010–2017 (harmonised)']
    """
    return {OWN_REGIONS: explorer_panel(None), KZ17_REGIONS: explorer_panel("kz17"),
            KZ16_REGIONS: explorer_panel("kz16")}
