"""The change of an indicator between two years, region by region (the explorer's change view).

How a change is measured follows the indicator's format
(:func:`~itclusters.presentation.change_format`): percentage points for a share or a rate in %,
% for a level, the ratio of the two values for a location quotient.  Only units whose territory
is the same in both years are compared (:func:`territory_changed`): a unit that did not exist in
one of the years (Shymkent before 2018, Abai before 2022, East Kazakhstan as it is since 2022),
or whose land moved in between in a way the crosswalk cannot undo (Astana in 2017), gets no
number, and says why.  A value missing in either year stays missing, and a % change or a ratio
from a value of zero or below is refused with its reason, never shown as a number.
"""
from __future__ import annotations

from functools import lru_cache

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba

from ._checks import checked
from .presentation import PERCENT, ChangeFormat, NumberFormat, change_format, format_value

__all__ = ["TERRITORY_CHANGED", "change_between", "change_classes", "territory_changed",
           "change_words", "format_change"]

#: What a unit compared across a change of its territory reads instead of a number.
TERRITORY_CHANGED = "territory changed"
#: The face of a unit whose territory changed (hatched over it, like "no data" over grey).
TERRITORY_FACE = "#ffffff"
#: The diverging colours of the six classes of a change, losses (brown) to gains (blue-green).
_POSITIONS = (0.08, 0.24, 0.4, 0.6, 0.76, 0.92)
_CMAP = "BrBG"


def _layout_of_values(panel: pd.DataFrame, year: int) -> str | None:
    """The layout of ``year``'s values in ``panel`` (``attrs["layouts"]``, else the year's own)."""
    from .layouts import LayoutError, layout_of

    given = panel.attrs.get("layouts", {}).get(year)
    if given:
        return given
    try:
        return layout_of(year)
    except LayoutError:
        return None


@lru_cache(maxsize=1)
def _moves() -> tuple:
    """Moves of land the crosswalk cannot undo: they change a unit's territory for good."""
    from .layouts import territory_changes

    return tuple(territory_changes(undone=False).itertuples(index=False))


def _first_sentence(text: str) -> str:
    """The move in words for a reader: its first sentence, without references to files."""
    import re

    return re.sub(r"\s*\([^)]*\)", "", text.split(". ")[0]).rstrip(".")


@checked
def territory_changed(panel: pd.DataFrame, since: int, year: int) -> dict[str, str]:
    """The units of ``year``'s values in ``panel`` whose territory differs in ``since``, each
    with the reason in words.

    A unit differs when it is not a unit of the layout of ``since``'s values (it was split off,
    or what remained of its parent after a split), or when land moved to or from it between
    the two years in a way the crosswalk cannot undo.

    >>> from itclusters.today import explorer_panel
    >>> changed = territory_changed(explorer_panel(None), 2016, 2025)
    >>> sorted(changed)[:4], "almaty_city" in changed
    (['abai', 'akmola', 'almaty_region_2022', 'astana'], False)
    >>> changed["astana"]
    '87.19 km² of Akmola region were joined to Astana city on 7 February 2017'
    """
    from .layouts import layout_units, units

    ids = list(dict.fromkeys(panel.xs(year, level="year").index))
    earlier = _layout_of_values(panel, since)
    try:
        before = set(layout_units(earlier)) if earlier else set(
            panel.xs(since, level="year").index)
    except ValueError:
        before = set(panel.xs(since, level="year").index)
    table = units()
    low, high = sorted((since, year))
    out = {}
    for rid in ids:
        if rid not in before:
            first = table.loc[rid, "first_year"] if rid in table.index else None
            out[rid] = (f"not a unit with this territory in {since}" if first is None or
                        pd.isna(first) else
                        f"a unit with this territory only from {int(first)}"
                        if int(first) > low else
                        f"not a unit with this territory in {since}")
            continue
        for move in _moves():
            if rid in (move.from_unit, move.to_unit) and (pd.isna(move.year)
                                                          or low < move.year <= high):
                out[rid] = _first_sentence(move.description)
                break
    return out


@checked
def change_between(panel: pd.DataFrame, code: str, since: int, year: int) -> pd.DataFrame:
    """The change of ``code`` from ``since`` to ``year`` for every unit of ``year``'s values.

    Columns: ``earlier`` and ``later`` (the values as stored), ``change`` (in the unit of
    :func:`~itclusters.presentation.change_format`: percentage points, %, or a ratio; missing
    where there is no number) and ``reason`` (why there is none: ``"territory changed: ..."``,
    ``"no data in 2016"``, a base of zero or below; empty where there is a number).
    ``.attrs`` hold ``code``, ``since``, ``year`` and ``format`` (the
    :class:`~itclusters.presentation.ChangeFormat`).

    >>> from itclusters.catalogue import indicator_panel
    >>> table = change_between(indicator_panel(), "ict_share", 2010, 2016)
    >>> row = table.loc["pavlodar"]
    >>> bool(np.isclose(row["change"], (row["later"] - row["earlier"]) * 100)), row["reason"]
    (True, '')
    >>> table.loc["almaty_city", "reason"]
    'territory changed: Almaty city was enlarged by land of Almaty region in 2014'
    """
    if code not in panel.columns:
        raise ValueError(f"unknown indicator {code!r}; available: {', '.join(panel.columns)}")
    fmt = change_format(code) if not (code not in _catalogue_formats()
                                      and _is_text(panel[code])) else None
    if fmt is None:
        raise ValueError(f"{code!r} holds letters or text, which have no change between years; "
                         "choose a number (e.g. the index instead of its letter)")
    years = sorted(int(y) for y in panel[code].dropna().index.get_level_values("year").unique())
    for which in (since, year):
        if which not in years:
            raise ValueError(f"{code!r} has no values for {which}; available: "
                             f"{', '.join(map(str, years))}")
    if since == year:
        raise ValueError(f"the change from {since} to {year} needs two different years")
    later = pd.to_numeric(panel[code].xs(year, level="year"), errors="coerce").astype(float)
    ids = list(later.index)
    earlier = pd.to_numeric(panel[code].xs(since, level="year"), errors="coerce") \
        .astype(float).reindex(ids)
    changed = territory_changed(panel, since, year)
    reason = pd.Series("", index=ids, dtype=object)
    for rid, why in changed.items():
        reason[rid] = f"{TERRITORY_CHANGED}: {why}"
    open_ = reason == ""
    none_before, none_after = earlier.isna(), later.isna()
    reason[open_ & none_before & none_after] = f"no data in {since} or {year}"
    reason[open_ & none_before & ~none_after] = f"no data in {since}"
    reason[open_ & ~none_before & none_after] = f"no data in {year}"
    if fmt.needs_positive_base():
        base_bad = (reason == "") & (earlier <= 0)
        what = "% change" if fmt.kind == "percent" else "ratio"
        for rid in earlier.index[base_bad]:
            reason[rid] = (f"no {what} from {format_value(earlier[rid], _value_format(code))} "
                           f"in {since} (zero or below)")
    usable = reason == ""
    change = pd.Series(np.nan, index=ids, dtype=float)
    a, b = earlier[usable], later[usable]
    if fmt.kind == "difference":
        change[usable] = (b - a) * fmt.scale
    elif fmt.kind == "percent":
        change[usable] = (b / a - 1.0) * 100.0
    else:
        change[usable] = b / a
    table = pd.DataFrame({"earlier": earlier, "later": later, "change": change,
                          "reason": reason})
    table.index.name = "region_id"
    table.attrs.update(code=code, since=since, year=year, format=fmt)
    return table


def _catalogue_formats():
    from .presentation import FORMATS

    return FORMATS


def _is_text(values: pd.Series) -> bool:
    known = values.dropna()
    return bool(len(known)) and bool(known.map(lambda v: isinstance(v, str)).all())


def _value_format(code: str):
    from .presentation import FORMATS

    return FORMATS.get(code, NumberFormat("number", 2))


def format_change(value, fmt: ChangeFormat, with_unit: bool = False) -> str:
    """A change as a reader sees it: "−" for a loss, "+" for a gain ("+3.21", "−12.5"); a
    ratio as it is ("1.25"); with ``with_unit``, followed by its unit ("+3.21 p.p.",
    "−12.5 %", "×1.25").

    >>> fmt = change_format("ict_share")
    >>> format_change(3.214, fmt, True), format_change(-0.5, change_format("grp_per_capita"), True)
    ('+3.21 p.p.', '−0.5\u202f%')
    >>> format_change(1.254, change_format("ict_lq"), True), format_change(float("nan"), fmt)
    ('×1.25', 'no data')
    """
    text = format_value(value, fmt.format)
    if not with_unit or text == format_value(np.nan, fmt.format):
        return text
    if fmt.kind == "ratio":
        return f"×{text}"
    if fmt.kind == "percent":
        return f"{text}{PERCENT}"
    return f"{text} {fmt.short}"


def change_words(fmt: ChangeFormat, since: int, year: int) -> str:
    """The legend's title of a change: "Change 2016 → 2025, percentage points".

    >>> change_words(change_format("ict_lq"), 2016, 2025)
    'Change 2016 → 2025, ratio of the later LQ to the earlier (1 = no change)'
    """
    return f"Change {since} → {year}, {fmt.unit}"


def _nice(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value``."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power  # pragma: no cover - the loop ends at 10


#: Round ratios for the class edges of a ratio (and their inverses below 1).
_RATIO_STEPS = (1.05, 1.1, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 50.0, 100.0, 1000.0)


def _round_near(value: float) -> float:
    """The one of 1, 2, 2.5, 5 times a power of ten nearest to ``value`` (on a log scale)."""
    if not np.isfinite(value) or value <= 0:
        return 0.0
    power = 10.0 ** np.floor(np.log10(value))
    steps = [s * power for s in (1.0, 2.0, 2.5, 5.0, 10.0)]
    return min(steps, key=lambda s: abs(np.log(s / value)))


def change_edges(changes, fmt: ChangeFormat) -> np.ndarray:
    """The seven edges of the six classes of a change, symmetric around no change.

    The inner edges are round numbers near the thirds of the sizes of the changes (so that a
    single large change, a city's, does not put every other region in one class); the outer
    edge is a round number beyond the largest change.  A ratio's edges are round ratios and
    their inverses, ``1/R … 1 … R``.

    >>> change_edges([-1.2, 0.4, 0.3, -0.2, 0.9, 7.2], change_format("ict_share")).tolist()
    [-10.0, -1.0, -0.5, 0.0, 0.5, 1.0, 10.0]
    >>> [round(float(e), 2) for e in change_edges([0.7, 1.6, 1.05, 0.95], change_format("ict_lq"))]
    [0.5, 0.67, 0.95, 1.0, 1.05, 1.5, 2.0]
    """
    values = np.asarray(pd.Series(changes, dtype=float).dropna(), dtype=float)
    if fmt.kind == "ratio":
        values = values[values > 0]
        sizes = np.abs(np.log(values))
        ladder = np.log(np.asarray(_RATIO_STEPS))
        far = float(sizes.max()) if sizes.size else ladder[0]
        outer = next((x for x in ladder if x >= far * (1 - 1e-12)), far)
        inner = [min(ladder, key=lambda x: abs(x - q)) for q in
                 (np.quantile(sizes, [1 / 3, 2 / 3]) if sizes.size else (0, 0))]
        steps = _three_steps(inner, outer)
        return np.exp(np.array([-steps[2], -steps[1], -steps[0], 0.0, *steps]))
    sizes = np.abs(values)
    far = float(sizes.max()) if sizes.size else 0.0
    unit = 10.0 ** -fmt.format.decimals
    outer = _nice(far) if far > 0 else _nice(3 * unit)
    inner = [_round_near(q) for q in (np.quantile(sizes, [1 / 3, 2 / 3]) if sizes.size
                                      else (0, 0))]
    steps = _three_steps(inner, outer)
    return np.array([-steps[2], -steps[1], -steps[0], 0.0, *steps])


def _three_steps(inner, outer) -> list[float]:
    """Three increasing edges above no change: the two inner ones if they are distinct and
    within ``outer``, else thirds of ``outer``."""
    first, second = sorted(float(x) for x in inner)
    if 0 < first < second < outer:
        return [first, second, float(outer)]
    if 0 < second < outer:
        return [second / 2, second, float(outer)]
    return [outer / 3, 2 * outer / 3, float(outer)]


def change_classes(table: pd.DataFrame, ids=None, edges=None):
    """The classes of :func:`change_between`'s ``change`` on a diverging scheme centred on no
    change (0, or 1 for a ratio): six classes, losses brown, gains blue-green; units whose
    territory changed are white and hatched, regions without a number grey and hatched.

    ``edges`` (seven, from :func:`change_edges`) fix the classes, e.g. over every year.
    Returns a :class:`~itclusters.maps.Classes` (``.territory``: the units whose territory
    changed).
    """
    from .maps import Classes

    fmt: ChangeFormat = table.attrs["format"]
    ids = list(table.index if ids is None else ids)
    change = table["change"].reindex(ids)
    edges = change_edges(change, fmt) if edges is None else np.asarray(edges, dtype=float)
    known = change.dropna()
    codes = pd.Series(-1, index=ids)
    inner = edges[1:-1]
    codes.loc[known.index] = np.searchsorted(inner, known.to_numpy(), side="right")
    shown = [format_value(e, fmt.format) for e in edges]
    labels = [f"{lo} to {hi}" for lo, hi in zip(shown[:-1], shown[1:])]
    colormap = matplotlib.colormaps[_CMAP]
    colors = [colormap(x) for x in _POSITIONS]
    centre = "1" if fmt.kind == "ratio" else "0"
    classes = Classes(codes, labels, colors, edges, "change", f"classes centred on {centre}, "
                      "no change", fmt.format)
    territory = [r for r in ids if str(table["reason"].get(r, "")).startswith(TERRITORY_CHANGED)]
    for i, rid in enumerate(ids):
        if rid in territory:
            classes.facecolors[i] = to_rgba(TERRITORY_FACE)
    classes.territory = territory
    return classes
