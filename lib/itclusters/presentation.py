"""What a reader sees: the figure style, region display names, number formats, tables, findings.

One module for the whole suite, so that a map, a table, the explorer and a notebook's sentence
all name Almaty city the same way and print an LQ with the same two decimals.

- :data:`STYLE` / :func:`figure_style`: the matplotlib rc settings every map and chart is drawn
  with (text of at least :data:`MIN_TEXT_PT` points at the size a notebook shows the figure).
- :func:`display_name`: the one naming function for regions.
- :func:`format_value`, :func:`format_column`, :func:`column_header`: numbers formatted per
  indicator of the catalogue (:data:`~itclusters.catalogue.INDICATORS`) or per explicit format.
- :func:`format_table`: a frame as a pandas ``Styler`` with names, units and formats applied;
  :func:`ranking_table`: one indicator, best first, with ranks (the explorer's table).
- :func:`findings`: computed sentences rendered as Markdown.

Compute modules never import this one; it imports matplotlib and pandas' Styler lazily.
"""
from __future__ import annotations

import hashlib

import math
import re
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ._checks import checked
from .regions import REGION_IDS, region_name

__all__ = [
    "STYLE",
    "MIN_TEXT_PT",
    "DISPLAY_WIDTH_IN",
    "NO_DATA",
    "NumberFormat",
    "FORMATS",
    "number_format",
    "ChangeFormat",
    "change_format",
    "figure_style",
    "display_name",
    "display_names",
    "territory_notes",
    "format_value",
    "format_column",
    "column_header",
    "grade_band",
    "format_table",
    "ranking_table",
    "findings",
    "small_text",
    "table_downloads",
    "TABLE_MIME",
    "MINUS",
    "PERCENT",
    "typeset_sign",
]

#: What a missing value reads as, in tables and on maps.
NO_DATA = "no data"

#: The minus sign of a negative number (U+2212), never the hyphen-minus.
MINUS = "\u2212"
#: What follows a number in per cent: a narrow no-break space (U+202F), then "%" (a thin space
#: let "50 %" break over two lines in a narrow table cell).
PERCENT = "\u202f%"

#: The smallest text size, in points at display size, any figure of the suite may carry.
MIN_TEXT_PT = 9.0

#: Width, in inches at :data:`STYLE`'s 100 dpi, of the column a figure is shown in: a notebook
#: output area in JupyterLab on a 1280-pixel screen with the file browser open, or the HTML
#: report, is about 900 CSS pixels wide.  A wider figure is scaled down, and its text with it.
DISPLAY_WIDTH_IN = 9.0

# Okabe & Ito (2008), "Color Universal Design": eight colours told apart by the colour-blind.
_OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
              "#000000"]

#: The suite's figure style (matplotlib rc settings).  Sizes are in points at 100 dpi, the dpi
#: a notebook shows a figure at; nothing is below :data:`MIN_TEXT_PT`.
STYLE: dict = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.facecolor": "white",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9.5,
    "legend.frameon": False,
    "figure.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": f"cycler('color', {_OKABE_ITO!r})",
    "image.cmap": "viridis",
    "hatch.linewidth": 0.6,
    "svg.fonttype": "path",
}


@checked
@contextmanager
def figure_style():
    """Draw inside the suite's figure style (:data:`STYLE`), restoring the caller's after.

    >>> import matplotlib.pyplot as plt
    >>> with figure_style():
    ...     plt.rcParams["legend.fontsize"] >= MIN_TEXT_PT
    True
    """
    import matplotlib

    with matplotlib.rc_context(STYLE):
        try:
            yield
        finally:
            # the first figure of a session loads the backend, which may switch interactive
            # mode on (the notebook's inline backend does); that must outlive the context,
            # or the notebook stops showing figures
            interactive = matplotlib.is_interactive()
    matplotlib.interactive(interactive)


def styled(function):
    """Decorator: run a drawing function inside :func:`figure_style` (for maps and charts)."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with figure_style():
            return function(*args, **kwargs)

    return wrapper


# --- names ------------------------------------------------------------------------------------

_DISPLAY = {"almaty_city": "Almaty city", "almaty_region": "Almaty region"}
_SHORT = {"almaty_region": "Almaty reg.", "west_kazakhstan": "West-Kaz.",
          "north_kazakhstan": "North-Kaz.", "east_kazakhstan": "East-Kaz.",
          "south_kazakhstan": "South-Kaz."}


@checked
def display_name(region_id: str, short: bool = False, year: int | None = None) -> str:
    """The name a reader sees for a region, everywhere in the suite.

    ``short=True`` gives the abbreviation used where space is tight (map labels, chart
    labels); anything else (tables, sentences, the explorer) uses the full name.

    A name never covers two territories: the units reduced in June 2022 read "(since 2022)",
    and with ``year`` a unit of an earlier layout shown for a year after it was split (values
    harmonised along the crosswalk) is named for what it holds then ("East-Kazakhstan incl.
    Abai", "South-Kazakhstan (Turkestan + Shymkent)").

    >>> display_name("almaty_city"), display_name("south_kazakhstan")
    ('Almaty city', 'South-Kazakhstan')
    >>> display_name("south_kazakhstan", short=True)
    'South-Kaz.'
    >>> display_name("karaganda"), display_name("karaganda_2022"), display_name("shymkent")
    ('Karaganda', 'Karaganda (since 2022)', 'Shymkent')
    >>> display_name("east_kazakhstan", year=2016), display_name("east_kazakhstan", year=2025)
    ('East-Kazakhstan', 'East-Kazakhstan incl. Abai')
    >>> display_name("south_kazakhstan", year=2019)
    'South-Kazakhstan (Turkestan + Shymkent)'
    """
    if year is not None:
        parts = _parts_in(region_id, int(year))
        if parts is not None and list(parts) != [region_id]:
            return _merged_name(region_id, parts, short)
    if short and region_id in _SHORT:
        return _SHORT[region_id]
    if region_id in _DISPLAY:
        return _DISPLAY[region_id]
    if region_id in REGION_IDS:
        return region_name(region_id)
    from .layouts import unit_name, units  # units of the later layouts (Shymkent, Abai, ...)

    table = units()
    if region_id in table.index:
        # a unit of 2022 named as one of 2010-2021 (Almaty region after Jetisu left): the
        # same name with the year it began, so that the two territories never read alike
        same = table.loc[region_id, "same_name_as"]
        if isinstance(same, str) and same:
            since = int(table.loc[region_id, "first_year"])
            return f"{display_name(same, short=short)} " + (f"({since}–)" if short
                                                            else f"(since {since})")
    return unit_name(region_id)


def _parts_in(region_id: str, year: int) -> tuple[str, ...] | None:
    """The units of ``year``'s layout that make up ``region_id`` (itself, if it exists that
    year); ``None`` where the unit is of a later layout or unknown."""
    from .layouts import LAYOUTS, layout_of, layout_units, units
    from .layouts import crosswalk

    table = units()
    if region_id not in table.index:
        return None
    own = layout_of(year)
    if region_id in layout_units(own):
        return (region_id,)
    earlier = [lay for lay in LAYOUTS[:LAYOUTS.index(own)] if region_id in layout_units(lay)]
    if not earlier:
        return None
    mapping = crosswalk(own, earlier[-1])
    return tuple(mapping.index[mapping == region_id])


def _merged_name(region_id: str, parts: Iterable[str], short: bool) -> str:
    """"East-Kazakhstan incl. Abai" where a part is the unit's reduced namesake, else
    "South-Kazakhstan (Turkestan + Shymkent)"."""
    from .layouts import units

    table = units()
    parts = list(parts)
    base = display_name(region_id, short=short)
    namesakes = [p for p in parts if table.loc[p, "same_name_as"] == region_id]
    if namesakes:
        others = [p for p in parts if p not in namesakes]
        return f"{base} incl. {' and '.join(display_name(p, short=short) for p in others)}"
    return f"{base} ({' + '.join(display_name(p, short=short) for p in parts)})"


@checked
def territory_notes(ids: Iterable[str], year: int | None = None) -> list[str]:
    """One sentence per unit among ``ids`` whose name alone could hide a change of territory:
    the reduced units of 2022, and (with ``year``) units shown harmonised for that year.
    Said once per figure or table, under it.

    >>> territory_notes(["karaganda_2022", "astana"])
    ['Karaganda (since 2022): Karaganda without Ulytau, split off in June 2022.']
    >>> territory_notes(["east_kazakhstan"], year=2025)
    ['East-Kazakhstan incl. Abai: the territory of East-Kazakhstan before June 2022, values of Abai and East-Kazakhstan (since 2022) added up.']
    """
    from .layouts import crosswalk, units

    table = units()
    notes = []
    for rid in dict.fromkeys(ids):
        if rid not in table.index:
            continue
        same = table.loc[rid, "same_name_as"]
        if isinstance(same, str) and same:
            later = crosswalk("kz20", "kz17")
            split = [u for u in later.index[later == same] if u != rid]
            notes.append(f"{display_name(rid)}: {display_name(same)} without "
                         f"{' and '.join(display_name(u) for u in split)}, split off in June "
                         f"{int(table.loc[rid, 'first_year'])}.")
        elif year is not None:
            parts = _parts_in(rid, int(year))
            if parts is not None and list(parts) != [rid]:
                notes.append(f"{display_name(rid, year=year)}: the territory of "
                             f"{display_name(rid)} before {_split_when(rid)}, values of "
                             f"{' and '.join(display_name(p) for p in parts)} added up.")
    return notes


def _split_when(region_id: str) -> str:
    from .layouts import units

    last = units().loc[region_id, "last_year"]
    return "June 2018" if int(last) == 2017 else "June 2022"


@checked
def display_names(ids: Iterable[str], short: bool = False, year: int | None = None) -> list[str]:
    """:func:`display_name` of each id, joined by nothing: a list in the same order.

    >>> display_names(["astana", "almaty_city"])
    ['Astana', 'Almaty city']
    """
    return [display_name(r, short=short, year=year) for r in ids]


# --- numbers ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class NumberFormat:
    """How one column reads.

    ``kind`` is ``"number"`` (thousands separators, ``decimals`` fixed), ``"percent"`` (a share
    0-1 shown as %), ``"rank"`` (an integer; ties keep the lowest), ``"bool"`` (✓ / ✗),
    ``"text"`` (as is) or ``"threshold"`` (a number where ``inf`` means "no cut above").
    ``signed``: a change, whose gains read with "+" ("+3.0", "−1.2").
    """

    kind: str = "number"
    decimals: int = 2
    unit: str = ""
    signed: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("number", "percent", "rank", "bool", "text", "threshold"):
            raise ValueError(f"unknown number format kind {self.kind!r}; use number, percent, "
                             "rank, bool, text or threshold")


#: The format of every indicator of the catalogue (same codes as
#: :data:`~itclusters.catalogue.INDICATORS`), and of a few generic column kinds.
FORMATS: dict[str, NumberFormat] = {
    "index": NumberFormat("number", 2, "index, 0–100"),
    "grade": NumberFormat("text", 0, "letter, band of the 0–100 index"),
    "it_production": NumberFormat("number", 1, "million KZT"),
    "ksi": NumberFormat("percent", 1, "% of national IT"),
    "it_share": NumberFormat("percent", 2, "% of the regions' IT"),
    "ict_share": NumberFormat("percent", 2, "% of national ICT GVA"),
    "ict_lq": NumberFormat("number", 2, "LQ, 1 = national"),
    "krugman": NumberFormat("number", 3, "0 = national structure, 2 = disjoint"),
    "labour_productivity": NumberFormat("number", 0, "thousand KZT per employed person"),
    "grp_per_capita": NumberFormat("number", 0, "thousand KZT per person"),
    "ict_lq_grp": NumberFormat("number", 2, "LQ, 1 = national"),
    "ict_growth": NumberFormat("number", 1, "% a year", signed=True),
    "manufacturing_share": NumberFormat("percent", 1, "% of GRP"),
    "rd_intensity": NumberFormat("number", 3, "% of GRP"),
    "rd_per_employed": NumberFormat("number", 0, "KZT per employed person"),
    "researchers_per_million": NumberFormat("number", 0, "per million inhabitants"),
    "internet_users": NumberFormat("number", 1, "% of individuals"),
    # the open-data composites' leaves (catalogue.OPEN_DATA_INDICATORS, today.OFFICIAL_COMPOSITE)
    "OD_PRODUCTIVITY": NumberFormat("number", 0, "thousand KZT per employed person"),
    "OD_GRP_PER_CAPITA": NumberFormat("number", 0, "thousand KZT per person"),
    "OD_ICT_INTENSITY": NumberFormat("percent", 2, "% of the region's GVA"),
    "OD_INVESTMENT": NumberFormat("number", 0, "thousand KZT per employed person"),
    # a user's own index (catalogue.user_panel): the same formats as the article's
    "your_index": NumberFormat("number", 2, "index, 0–100"),
    "your_grade": NumberFormat("text", 0, "letter, band of the 0–100 index"),
    "your_susceptibility": NumberFormat("number", 2, "sub-index, 0–100"),
    "your_activity": NumberFormat("number", 2, "sub-index, 0–100"),
    # generic kinds, for columns outside the catalogue
    "rank": NumberFormat("rank", 0),
    "lq": NumberFormat("number", 2, "LQ"),
    "share": NumberFormat("percent", 1, "%"),
    "bool": NumberFormat("bool", 0),
    "text": NumberFormat("text", 0),
    "integer": NumberFormat("number", 0),
    "threshold": NumberFormat("threshold", 2),
}



@dataclass(frozen=True)
class ChangeFormat:
    """How the change of an indicator between two years is measured and read.

    ``kind`` is ``"difference"`` (later minus earlier: percentage points for a share or a
    rate in %, points of the scale for an index), ``"percent"`` (the later level over the
    earlier one, less 1, in %: for levels such as million KZT) or ``"ratio"`` (later over
    earlier: for a location quotient, 1 = no change).  ``scale`` multiplies a difference (100
    for a share stored 0-1, read in percentage points); ``unit`` is what the number is in, in
    words; ``short`` the same for a column header; ``centre`` the value of no change.
    """

    kind: str
    unit: str
    short: str
    format: NumberFormat
    scale: float = 1.0

    @property
    def centre(self) -> float:
        return 1.0 if self.kind == "ratio" else 0.0

    def needs_positive_base(self) -> bool:
        """A % change or a ratio divides by the earlier value: a base of 0 or below gives no
        number a reader could use."""
        return self.kind in ("percent", "ratio")


def change_format(code: str | None = None, fmt: NumberFormat | None = None) -> ChangeFormat | None:
    """How the change of ``code`` (an indicator of :data:`FORMATS`) or of a column read in
    ``fmt`` is measured: follows the format's kind and unit.  ``None`` for letters and other
    text, which have no change.

    >>> [change_format(c).short for c in ("ict_share", "internet_users", "ict_lq", "grp_per_capita")]
    ['p.p.', 'p.p.', 'ratio', '%']
    >>> change_format("ict_share").scale, change_format("index").unit
    (100.0, 'points (index, 0–100)')
    >>> change_format("grade") is None
    True
    """
    if fmt is None:
        fmt = FORMATS.get(code) if code is not None else None
        if fmt is None:
            # a column outside the catalogue: its change in its own units, nothing divided
            return ChangeFormat("difference", "difference", "difference",
                                NumberFormat("number", 2, signed=True))
    unit = fmt.unit or ""
    if fmt.kind in ("text", "bool", "rank", "threshold"):
        return None
    if fmt.kind == "percent" or unit.startswith("%"):
        return ChangeFormat("difference", "percentage points", "p.p.",
                            NumberFormat("number", max(fmt.decimals, 1), signed=True),
                            100.0 if fmt.kind == "percent" else 1.0)
    if unit.startswith("LQ"):
        return ChangeFormat("ratio", "ratio of the later LQ to the earlier (1 = no change)",
                            "ratio", NumberFormat("number", 2))
    if "index" in unit or "0 =" in unit:
        # a bounded scale (0-100, 0-2): a % of it means little; its points do
        return ChangeFormat("difference", f"points ({unit})", "points",
                            NumberFormat("number", max(fmt.decimals, 2), signed=True))
    return ChangeFormat("percent", "% change", "%", NumberFormat("number", 1, signed=True))


def _as_format(spec) -> NumberFormat:
    """A :class:`NumberFormat` from a format, a code of :data:`FORMATS` or ``"kind:decimals"``."""
    if isinstance(spec, NumberFormat):
        return spec
    if isinstance(spec, str):
        if spec in FORMATS:
            return FORMATS[spec]
        match = re.fullmatch(r"(number|percent|threshold):(\d)", spec)
        if match:
            return NumberFormat(match.group(1), int(match.group(2)))
    raise ValueError(f"unknown format {spec!r}: use a NumberFormat, one of "
                     f"{', '.join(FORMATS)}, or 'number:N', 'percent:N', 'threshold:N'")


def number_format(spec=None, name=None) -> NumberFormat | None:
    """The format a column is shown in: ``spec`` when given, else that of ``name`` in
    :data:`FORMATS` (an indicator code of the catalogue or a generic kind), else ``None``.

    Maps take their legend's number format from here, so that a map and the table beside it
    show an indicator alike (a share as %, with the table's unit).

    >>> number_format(name="ict_share")
    NumberFormat(kind='percent', decimals=2, unit='% of national ICT GVA', signed=False)
    >>> number_format("number:3", name="ict_share").kind, number_format(name="my_ratio")
    ('number', None)
    """
    if spec is not None:
        return _as_format(spec)
    if isinstance(name, str) and name in FORMATS:
        return FORMATS[name]
    return None


@checked
def format_value(value, spec="number:2") -> str:
    """One value as a reader sees it.

    ``spec`` is a code of :data:`FORMATS` (an indicator of the catalogue or a generic kind),
    ``"number:N"`` / ``"percent:N"`` / ``"threshold:N"`` or a :class:`NumberFormat`.  Missing
    values read "no data"; infinity reads "∞" ("no cut above" for a threshold).

    >>> print(format_value(8650.34, "it_production"), format_value(0.5052, "ksi"), sep="; ")
    8,650.3; 50.5 %
    >>> format_value(1.4249, "ict_lq"), format_value(10.0, "rank"), format_value(True, "bool")
    ('1.42', '10', '✓')
    >>> format_value(float("nan"), "ict_lq"), format_value(float("inf")), format_value(
    ...     float("inf"), "threshold")
    ('no data', '∞', 'no cut above')
    >>> format_value(1234567.0, "integer")
    '1,234,567'

    A value that is not zero never reads as one:

    >>> print(format_value(0.000006, "it_share"), format_value(-0.0004, "number:2"),
    ...       format_value(0.0), sep="; ")
    < 0.01 %; > −0.01; 0.00

    Minus is "−" (U+2212), a gain reads "+" in a format of changes, % follows a narrow no-break space:

    >>> format_value(-0.0164, "number:3"), format_value(3.04, "ict_growth")
    ('−0.016', '+3.0')
    >>> format_value(0.5052, "ksi") == "50.5\u202f%"
    True
    """
    fmt = _as_format(spec)
    if value is None or value is pd.NA or value is pd.NaT:
        return NO_DATA
    if fmt.kind == "bool":
        if isinstance(value, float) and math.isnan(value):
            return NO_DATA
        return "✓" if bool(value) else "✗"  # not "—": the article's mark of a missing value
    if isinstance(value, (str, bytes)):
        return _names_for_ids(str(value))
    if fmt.kind == "text" and not isinstance(value, (int, float, np.number)):
        return str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return NO_DATA
    if math.isinf(number):
        if fmt.kind == "threshold":
            return "no cut above" if number > 0 else "no cut below"
        return "∞" if number > 0 else "−∞"
    if fmt.kind == "rank":
        return f"{int(math.floor(number)):d}"
    if fmt.kind == "text":
        return f"{number:,g}"
    scaled, suffix = (number * 100, PERCENT) if fmt.kind == "percent" else (number, "")
    text = f"{scaled:,.{fmt.decimals}f}"
    if float(text.replace(",", "")) == 0:
        if abs(number) < 1e-12:  # zero, or a floating-point residue of one: no "-0.00"
            return f"{0.0:,.{fmt.decimals}f}{suffix}"
        # not zero, only smaller than the last decimal shown: never printed as a zero
        step = f"{10.0 ** -fmt.decimals:.{fmt.decimals}f}"
        return f"< {step}{suffix}" if scaled > 0 else f"> {MINUS}{step}{suffix}"
    return typeset_sign(text, signed=fmt.signed) + suffix


def typeset_sign(text: str, signed: bool = False) -> str:
    """A formatted number with the minus sign a reader expects (U+2212, not a hyphen), and
    with "+" before a gain when ``signed``.

    >>> typeset_sign("-3.5"), typeset_sign("3.5", signed=True), typeset_sign("0.0", signed=True)
    ('−3.5', '+3.5', '0.0')
    """
    if text.startswith("-"):
        return MINUS + text[1:]
    if signed and text[:1].isdigit() and float(text.replace(",", "")) != 0:
        return "+" + text
    return text


def _names_for_ids(text: str) -> str:
    """A region id, or a comma-separated list of them, as display names; other text as is.

    >>> _names_for_ids("almaty_city, akmola"), _names_for_ids("candidate")
    ('Almaty city, Akmola', 'candidate')
    """
    parts = [p.strip() for p in text.split(",")]
    if parts and "_" in text and all(p in _unit_ids() for p in parts) or \
            parts and all(p in REGION_IDS for p in parts):
        return ", ".join(display_names(parts))
    return text


@checked
def format_column(values: pd.Series, spec=None) -> pd.Series:
    """Every value of a column formatted with one format (inferred from the dtype if omitted).

    Decimals are fixed for the whole column, so the numbers line up.

    >>> format_column(pd.Series([0.123456, 12.5, None])).tolist()
    ['0.12', '12.50', 'no data']
    """
    fmt = _as_format(spec) if spec is not None else _infer(values)
    return values.map(lambda v: format_value(v, fmt)).astype(object)


def _infer(values: pd.Series) -> NumberFormat:
    name = str(values.name or "")
    if name in FORMATS:  # an indicator code as the catalogue spells it (OD_ICT_INTENSITY)
        return FORMATS[name]
    name = name.lower()
    if name in FORMATS:
        return FORMATS[name]
    if pd.api.types.is_bool_dtype(values):
        return FORMATS["bool"]
    if "rank" in name:
        return FORMATS["rank"]
    if pd.api.types.is_integer_dtype(values):
        return FORMATS["integer"]
    if not pd.api.types.is_numeric_dtype(values):
        known = values.dropna()
        if len(known) and known.map(lambda v: isinstance(v, (bool, np.bool_))).all():
            return FORMATS["bool"]
        return FORMATS["text"]
    finite = values.astype(float).replace([np.inf, -np.inf], np.nan).dropna()
    if finite.empty:
        return NumberFormat("number", 2)
    if (finite == finite.round()).all():
        return FORMATS["integer"]
    largest = finite.abs().max()
    decimals = 0 if largest >= 1000 else 1 if largest >= 100 else 2 if largest >= 1 else 3
    return NumberFormat("number", decimals)


@checked
def column_header(code: str, spec=None) -> str:
    """The header of a column: the catalogue's label with the unit, else the name and unit.

    >>> column_header("ict_lq")
    'ICT (section J) location quotient (LQ, 1 = national)'
    >>> column_header("IT production", "number:1")
    'IT production'
    """
    from .catalogue import INDICATORS, OPEN_DATA_INDICATORS

    fmt = _as_format(spec) if spec is not None else FORMATS.get(code)
    unit = fmt.unit if fmt is not None else ""
    if code in INDICATORS:
        label = INDICATORS[code].label
    elif code in OPEN_DATA_INDICATORS.index:  # the open-data composite's leaves: a name, no code
        name = OPEN_DATA_INDICATORS.loc[code, "name"]
        label = name[0].upper() + name[1:]
    else:
        label = str(code)
    return f"{label} ({unit})" if unit and unit not in label else label


@checked
def grade_band(letter: str | float | None, scale=None) -> str:
    """A letter with its band of index values, marked as inferred (the article states none);
    a missing letter (NaN or None) reads "no data".

    >>> grade_band("B+"), grade_band("C"), grade_band("A")
    ('B+ (50–60, inferred)', 'C (< 20, inferred)', 'A (≥ 60, inferred)')
    """
    from .indices import DEFAULT_SCALE

    scale = DEFAULT_SCALE if scale is None else scale
    if not isinstance(letter, str):
        return NO_DATA
    if letter not in scale.labels:
        raise ValueError(f"letter {letter!r} is not on the scale {list(scale.labels)}")
    i = scale.labels.index(letter)
    cuts = [f"{c:g}" for c in scale.cuts]
    if i == 0:
        band = f"< {cuts[0]}"
    elif i == len(scale.labels) - 1:
        band = f"≥ {cuts[-1]}"
    else:
        band = f"{cuts[i - 1]}–{cuts[i]}"
    return f"{letter} ({band}, inferred)"


# --- tables -----------------------------------------------------------------------------------

_TABLE_CSS = [
    {"selector": "", "props": "border-collapse: collapse; font-variant-numeric: tabular-nums;"},
    {"selector": "th, td", "props": "white-space: normal; padding: 2px 8px; max-width: 16em;"},
    {"selector": "td", "props": "text-align: right;"},
    # row headers wrap within the 16em every cell keeps: unwrapped, a long label ran over the
    # values beside it (notebook 08's Moran table)
    {"selector": "th.row_heading", "props": "text-align: left; min-width: 7em;"},
    {"selector": "thead th", "props": "text-align: right; vertical-align: bottom;"},
    {"selector": "thead th.index_name", "props": "text-align: left;"},
    {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: bold;"},
]


def _unit_ids() -> set:
    from .layouts import units

    return set(REGION_IDS) | set(units().index)


def _is_region_index(index: pd.Index) -> bool:
    values = index.dropna()
    if not len(values) or not all(isinstance(v, str) for v in values):
        return False
    return all(v in REGION_IDS for v in values) or all(v in _unit_ids() for v in values)


# Catalogue codes that are also everyday column names (a recomputed or composite index, a
# letter of another scale): their catalogue label ("... (published)") is never assumed.
_GENERIC_NAMES = {"index", "grade"}
_INDEX_NAMES = {"region_id": "Region", "region": "Region", "year": "Year"}


def _rename_regions(index: pd.Index) -> pd.Index:
    index = index.set_names([_INDEX_NAMES.get(n, n) if isinstance(n, str) else n
                             for n in index.names])
    if isinstance(index, pd.MultiIndex):
        levels = []
        for i, name in enumerate(index.names):
            level = index.get_level_values(i)
            if _is_region_index(level):
                levels.append(pd.Index(display_names(level), name="Region"))
            else:
                levels.append(level)
        return pd.MultiIndex.from_arrays(levels)
    if _is_region_index(index):
        return pd.Index(display_names(index), name="Region")
    return _rename_indicators(index)


def _rename_indicators(index: pd.Index) -> pd.Index:
    """Rows named by indicator codes of the catalogue read as the indicators' labels."""
    from .catalogue import INDICATORS

    values = list(index)
    if values and all(isinstance(v, str) and v in INDICATORS for v in values):
        return pd.Index([INDICATORS[v].label for v in values], name=index.name)
    return index


@lru_cache(maxsize=None)
def _table_styler():
    """A pandas Styler whose plain-text form names the table, not a memory address (a notebook
    stores it beside the HTML; an address would differ on every run)."""
    from pandas.io.formats.style import Styler

    class Table(Styler):
        def __repr__(self) -> str:
            rows, columns = self.data.shape
            caption = f"{self.caption}: " if self.caption else ""
            return f"<table: {caption}{rows} rows x {columns} columns>"

        def _repr_mimebundle_(self, include=None, exclude=None):
            # the HTML a notebook shows, and the table's downloads (the HTML report offers them
            # beside the table); a notebook front end shows the HTML and ignores the rest
            return {"text/html": self._repr_html_(), "text/plain": repr(self),
                    TABLE_MIME: table_downloads(self)}

    return Table


#: The mime type under which a table shown by :func:`format_table` carries its downloads
#: (:func:`table_downloads`); the HTML export of the reports puts them beside the table.
TABLE_MIME = "application/vnd.itclusters.table+json"


def _national_rows(index: pd.Index) -> list[int]:
    """Positions of the rows that are the country's total, not a region."""
    from .today import REPUBLIC

    labels = [v[0] if isinstance(v, tuple) else v for v in index]
    return [i for i, v in enumerate(labels) if isinstance(v, str) and v == REPUBLIC]


def _frame_for_export(styler) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(numbers, text as shown) of a table: headers and row names as the reader sees them."""
    data = styler.data.copy()
    if data.columns.name is not None and data.index.name is None:
        data.index.name, data.columns.name = data.columns.name, None
    shown = pd.DataFrame(index=data.index, columns=data.columns, dtype=object)
    funcs = getattr(styler, "_display_funcs", {})
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            value = data.iat[i, j]
            func = funcs.get((i, j))
            shown.iat[i, j] = func(value) if func is not None else (
                NO_DATA if pd.isna(value) else str(value))
    return data, shown


def _xlsx_bytes(frame: pd.DataFrame, sheet: str = "table") -> bytes:
    """The frame as an Excel workbook, byte-identical for an identical frame (no timestamps)."""
    import io
    import zipfile

    raw = io.BytesIO()
    with pd.ExcelWriter(raw, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet)
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, \
            zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":  # created/modified: the clock
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>2000-01-01T00:00:00Z", content)
            info = zipfile.ZipInfo(item.filename, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return fixed.getvalue()


_LATEX_CHARACTERS = {PERCENT[0]: "\\,", MINUS: "$-$", "≥": "$\\geq$", "≤": "$\\leq$",
                     "×": "$\\times$", "≈": "$\\approx$", "✓": "yes", "✗": "no", "∞": "$\\infty$"}


def _latex(shown: pd.DataFrame, caption: str | None) -> str:
    """The table as shown, in LaTeX with booktabs rules (\\toprule, \\midrule, \\bottomrule),
    the country's total set off by a rule."""
    from pandas.io.formats.style import Styler

    from pandas.io.formats.style_render import _escape_latex

    frame = shown.copy()
    if frame.index.nlevels == 1 and frame.columns.nlevels == 1 and frame.index.name:
        # "Region" heads the row names in the header row, not in a row of its own
        frame = frame.rename_axis(index=None, columns=_escape_latex(str(frame.index.name)))
    styler = Styler(frame).format(escape="latex").format_index(escape="latex", axis=0)

    def header(text):  # escaped first; the unit on a second line
        label, unit = _label_and_unit(str(text))
        return f"\\shortstack[r]{{{label}\\\\{unit}}}" if unit else label

    styler = styler.format_index(header, escape="latex", axis=1)
    options = {"hrules": True, "column_format": "l" * frame.index.nlevels + "r" * frame.shape[1]}
    if caption:
        options.update(caption=_escape_latex(caption), position_float="centering")
    text = styler.to_latex(**options)
    for char, command in _LATEX_CHARACTERS.items():  # what pdfLaTeX reads without packages
        text = text.replace(char, command)
    lines = text.splitlines()
    for row in reversed(_national_rows(frame.index)):
        # the total's row is the (row + 1)-th line after \midrule
        start = next(i for i, line in enumerate(lines) if line.strip() == "\\midrule")
        at = start + 1 + row
        if row > 0 and lines[at - 1].strip() != "\\midrule":
            lines.insert(at, "\\midrule")
    return "\n".join(lines) + "\n"


def table_downloads(styler) -> dict:
    r"""A shown table as files to download: ``csv`` (the numbers, full precision, UTF-8),
    ``xlsx`` (the same numbers, base64) and ``tex`` (the table as shown, LaTeX with
    booktabs), with the headers and row names a reader sees.  A :class:`SplitTable` is
    downloaded whole, as one table.

    >>> t = format_table(pd.DataFrame({"ict_lq": [1.4249, 0.5]}, index=["almaty_city", "akmola"]))
    >>> files = table_downloads(t)
    >>> print(files["csv"].splitlines()[1])
    Almaty city,1.4249
    >>> r"\toprule" in files["tex"] and "Almaty city & 1.42" in files["tex"]
    True
    """
    import base64

    if isinstance(styler, SplitTable):
        styler = styler.whole
    numbers, shown = _frame_for_export(styler)
    return {"csv": numbers.to_csv(lineterminator="\n"),
            "xlsx": base64.b64encode(_xlsx_bytes(numbers)).decode("ascii"),
            "tex": _latex(shown, styler.caption)}


class SplitTable:
    """A wide table shown as several narrower ones, each a ``Styler`` (see :func:`format_table`);
    its downloads hold the whole table (``whole``)."""

    def __init__(self, parts: list, whole=None):
        self.parts = parts
        self.whole = whole

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/html": self.to_html(), "text/plain": repr(self)}
        if self.whole is not None:
            bundle[TABLE_MIME] = table_downloads(self.whole)
        return bundle

    def to_html(self) -> str:
        return "\n".join(part.to_html() for part in self.parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<{len(self.parts)} tables: " + "; ".join(map(repr, self.parts)) + ">"


@checked
def format_table(frame: pd.DataFrame, formats: Mapping | None = None, *,
                 headers: Mapping[str, str] | None = None, caption: str | None = None,
                 max_columns: int = 7, index_name: str | None = None,
                 missing: str = NO_DATA):
    """A frame ready to show: region names, units in headers, every number formatted.

    Parameters
    ----------
    frame : DataFrame
        Indexed by region id (or with a ``region_id`` level); a region-id index becomes the
        display names, and a ``region`` column holding names is dropped (no name twice).
    formats : mapping, optional
        Column -> format (a code of :data:`FORMATS`, ``"number:N"``, ``"percent:N"`` or a
        :class:`NumberFormat`).  Columns named after an indicator of the catalogue take its
        format; others are inferred (booleans ✓/✗, integers, "rank" columns as integers,
        floats with fixed decimals for the column).
    headers : mapping, optional
        Column -> header text.  By default an indicator's header is its catalogue label with
        its unit, and any other column's is its name with the unit of its format.
    caption : str, optional
        Shown above the table.
    max_columns : int
        A table with more columns is transposed when it has few rows, else split into
        several tables of at most ``max_columns`` columns (so it fits the page).
    index_name : str, optional
        Header of the row labels (region ids become "Region", years "Year" by themselves).
    missing : str
        What a missing value reads as ("no data"; e.g. "not stated" for a text's figures).

    Returns
    -------
    pandas Styler, or :class:`SplitTable` for a split wide table
        Both render as HTML in JupyterLab and in the HTML export and have ``to_html()``.
        The Styler keeps the numbers (only their display is formatted), so it can be
        chained, e.g. ``.background_gradient(axis=None)``.

    Examples
    --------
    >>> frame = pd.DataFrame({"ict_lq": [1.4249, None], "rank": [1.0, 10.5]},
    ...                      index=["almaty_city", "akmola"])
    >>> html = format_table(frame).to_html()
    >>> "Almaty city" in html and "almaty_city" not in html and "no data" in html
    True
    >>> "10.5" in html, "1.42" in html
    (False, True)
    """
    table = frame.copy()
    formats = dict(formats or {})
    headers = dict(headers or {})
    if "region" in table.columns and (_is_region_index(table.index) or any(
            _is_region_index(table.index.get_level_values(i))
            for i in range(table.index.nlevels))):
        table = table.drop(columns="region")
    if "region_id" in table.columns and _is_region_index(pd.Index(table["region_id"])):
        table = table.set_index("region_id")
    table.index = _rename_regions(table.index)
    if index_name is not None:
        table.index.name = index_name

    def key(column):
        return column[-1] if isinstance(column, tuple) else column

    specs = {}
    for column in table.columns:
        spec = formats.get(column, formats.get(key(column)))
        if spec is None:
            spec = _infer(table[column].rename(str(key(column))))
        specs[column] = _as_format(spec)

    def header(column):
        if isinstance(column, tuple):
            return tuple(headers.get(c, str(c)) for c in column[:-1]) + (header(column[-1]),)
        if column in headers:
            return headers[column]
        name = str(column)
        if name in _GENERIC_NAMES:  # "index" of what? the caller says, in headers=
            return name
        spec = formats.get(column)
        return column_header(name, spec if spec is not None else FORMATS.get(name))

    shown = table.copy()
    names = [header(c) for c in table.columns]
    shown.columns = pd.MultiIndex.from_tuples(names) if isinstance(table.columns, pd.MultiIndex) \
        else pd.Index(names)
    if shown.columns.has_duplicates:
        raise ValueError(f"two columns would read the same: {list(shown.columns)}; "
                         "give headers= to tell them apart")
    def formatter(fmt):
        def show(value):
            text = format_value(value, fmt)
            return missing if text == NO_DATA else text
        return show

    formatters = {name: formatter(specs[column])
                  for name, column in zip(shown.columns, table.columns)}
    text = [name for name, column in zip(shown.columns, table.columns)
            if specs[column].kind == "text"]
    if shown.shape[1] > max_columns and shown.shape[0] <= max_columns:
        # few rows, many columns: transpose, so that the table runs down the page
        text = pd.DataFrame({c: shown[c].map(formatters[c]).astype(object) for c in shown.columns},
                            index=shown.index)
        return _styler(text.T, {}, caption)
    if shown.shape[1] > max_columns:
        parts = [_styler(shown.iloc[:, start:start + max_columns], formatters,
                         caption if start == 0 else None, text)
                 for start in range(0, shown.shape[1], max_columns)]
        return SplitTable(parts, whole=_styler(shown, formatters, caption, text))
    return _styler(shown, formatters, caption, text)


def _label_and_unit(header: str) -> tuple[str, str]:
    """A header "label (unit)" as its two parts; ("header", "") without a unit.

    >>> _label_and_unit("Share of national ICT (section J) GVA (% of national ICT GVA)")
    ('Share of national ICT (section J) GVA', '(% of national ICT GVA)')
    >>> _label_and_unit("Rank"), _label_and_unit("Growth (%, nominal)")
    (('Rank', ''), ('Growth', '(%, nominal)'))
    """
    if header.endswith(")") and " (" in header:
        depth = 0
        for i in range(len(header) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(header[i], 0)
            if depth == 0:
                label = header[:i].rstrip()
                if label and header[i - 1] == " ":
                    return label, header[i:]
                break
    return header, ""


def _html_header(value) -> str:
    """A column header as HTML: the words, and the unit on a second line."""
    import html

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return NO_DATA
    label, unit = _label_and_unit(str(value))
    return html.escape(label, quote=False) + (f" <br>{html.escape(unit, quote=False)}"
                                              if unit else "")


def _styler(frame: pd.DataFrame, formatters: dict, caption: str | None, text=()):
    if frame.index.nlevels == 1 and frame.columns.nlevels == 1 and frame.index.name \
            and frame.columns.name is None:
        # "Region" over the names, in the header row: pandas would give it a row of its own
        frame = frame.rename_axis(index=None, columns=frame.index.name)
    styler = _table_styler()(frame).set_table_styles(_TABLE_CSS)
    used = {c: f for c, f in formatters.items() if c in frame.columns}
    if used:
        styler = styler.format(used)
    words = [c for c in frame.columns if c in text]
    if words:  # words read from the left, numbers line up on the right
        styler = styler.set_table_styles(
            {c: [{"selector": "td, th.col_heading", "props": "text-align: left;"}] for c in words},
            overwrite=False)
    styler = styler.format_index(_html_header, axis=1)
    for row in _national_rows(frame.index):
        # the country's total is not one of the regions: a rule sets it off
        side = "border-top" if row > 0 else "border-bottom"
        styler = styler.set_table_styles(
            [{"selector": f"th.row{row}, td.row{row}", "props": f"{side}: 1.5px solid #333;"}],
            overwrite=False)
    if caption:
        styler = styler.set_caption(caption)
    # pandas gives each Styler a random id for its CSS; one derived from the table keeps a
    # regenerated report byte-identical (identical tables share identical rules)
    digest = hashlib.sha256(frame.to_csv().encode("utf-8") + str(caption).encode("utf-8")
                            + repr(sorted(used)).encode("utf-8") + repr(words).encode("utf-8"))
    return styler.set_uuid(f"itc{digest.hexdigest()[:10]}")


@checked
def ranking_table(values: pd.Series, code: str, *, caption: str | None = None):
    """One indicator for every region, best first, as a reader sees it (the explorer's table).

    Numbers are formatted per indicator with the unit in the header and an integer rank
    (1 = highest; ties share the best rank); letters of the article's scale are sorted from
    A down and shown with their (inferred) band.  Missing values come last, as "no data".

    >>> t = ranking_table(pd.Series({"astana": 1.38, "almaty_city": 3.8, "akmola": None}),
    ...                   "ict_lq")
    >>> t.data.index.tolist(), t.data.iloc[:, 1].tolist()[:2]
    (['Almaty city', 'Astana', 'Akmola'], [1.0, 2.0])
    """
    from .catalogue import INDICATORS
    from .indices import DEFAULT_SCALE

    series = pd.Series(values)
    label = INDICATORS[code].label if code in INDICATORS else str(code)
    if code == "grade" or not pd.api.types.is_numeric_dtype(series):
        order = {letter: i for i, letter in enumerate(reversed(DEFAULT_SCALE.labels))}
        keys = series.map(lambda v: order.get(v, len(order)))
        ordered = series.loc[keys.sort_values(kind="stable").index]
        frame = pd.DataFrame({"letter": ordered.map(grade_band)}, index=ordered.index)
        return format_table(frame, formats={"letter": "text"},
                            headers={"letter": f"{label} (band inferred)"}, caption=caption)
    ordered = series.sort_values(ascending=False, na_position="last", kind="stable")
    frame = pd.DataFrame({code: ordered,
                          "rank": ordered.rank(ascending=False, method="min")})
    return format_table(frame, formats={code: code if code in FORMATS else _infer(series),
                                        "rank": "rank"},
                        headers={"rank": "Rank"}, caption=caption)


# --- findings ---------------------------------------------------------------------------------

@checked
def findings(*sentences: str, title: str | None = None):
    """Sentences computed from the data, shown as Markdown (a list when there are several).

    >>> findings("Candidates in 2016: **Almaty city**, **Astana**.").data
    'Candidates in 2016: **Almaty city**, **Astana**.'
    >>> print(findings("one.", "two.", title="Findings").data)
    **Findings**
    <BLANKLINE>
    - one.
    - two.
    """
    from IPython.display import Markdown

    lines = [s.strip() for s in sentences if s and s.strip()]
    if not lines:
        raise ValueError("findings() needs at least one sentence")
    body = lines[0] if len(lines) == 1 else "\n".join(f"- {s}" for s in lines)
    if title:
        body = f"**{title}**\n\n{body}"
    return Markdown(body)


# --- checks -----------------------------------------------------------------------------------

def small_text(fig, display_width_in: float = DISPLAY_WIDTH_IN,
               minimum: float = MIN_TEXT_PT) -> list[tuple[str, float]]:
    """Visible texts of ``fig`` smaller than ``minimum`` points once shown ``display_width_in``
    wide (a wider figure is scaled down to the column, its text with it).

    Returns ``(text, displayed size)`` pairs; an empty list means every text is large enough.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(6, 3))
    >>> _ = ax.set_title("readable", fontsize=10); _ = ax.text(0, 0, "tiny", fontsize=6)
    >>> [(t, round(s, 1)) for t, s in small_text(fig) if t]
    [('tiny', 6.0)]
    >>> plt.close(fig)
    """
    width = fig.get_size_inches()[0]
    scale = min(1.0, display_width_in / width)
    found = []
    for artist in _drawn_texts(fig):
        size = artist.get_fontsize() * scale
        if size < minimum - 1e-9:
            found.append((artist.get_text(), size))
    return found


def _drawn_texts(fig):
    """The texts a draw of ``fig`` puts on the page (visible, non-empty, ticks in view)."""
    fig.draw_without_rendering()  # settles tick locations and layout, paints no pixel
    texts = list(fig.texts)
    texts += [t for t in (fig._suptitle, fig._supxlabel, fig._supylabel) if t is not None]
    for legend in fig.legends:
        texts += [*legend.get_texts(), legend.get_title()]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [*ax.texts, ax.title, ax._left_title, ax._right_title]
        texts += [c for c in ax.get_children() if c.__class__.__name__ == "Annotation"]
        legend = ax.get_legend()
        if legend is not None:
            texts += [*legend.get_texts(), legend.get_title()]
        if ax.axison:
            for axis in (ax.xaxis, ax.yaxis):
                if not axis.get_visible():
                    continue
                texts.append(axis.label)
                for tick in axis._update_ticks():
                    texts += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    seen, drawn = set(), []
    for text in texts:
        if id(text) in seen or not text.get_visible() or not text.get_text().strip():
            continue
        seen.add(id(text))
        drawn.append(text)
    return drawn
