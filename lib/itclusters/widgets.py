"""The interactive explorer: pick a year, an indicator and a classification; see the map.

The map is drawn once; a picker change only recolours it (:func:`~itclusters.maps.recolour`)
and swaps the picture of an ``ipywidgets.Image``, so nothing flickers.  That picture is only
the fills (a palette PNG of a few kB, :mod:`itclusters.mapimage`); the borders and city markers'
rims, then the labels, are pictures stacked over it, sent again only with another set of
regions.  Without a live front end (papermill, nbconvert, a plain Python process) the same call
gives a static figure of every year instead, so that a batch report still shows each choice.

What a reader sees, and why it is built this way:

- The picture is the map alone, drawn for high-density screens (:data:`PIXEL_RATIO` device
  pixels per CSS pixel) at a scale that puts region labels at :data:`LABEL_PX` CSS pixels.
  It is shown at its drawn proportions (``height: auto``, never stretched by its neighbours)
  and scales down with ``max-width: 100%`` on narrow screens, where its labels would read
  under 9 pt: there they are hidden and a line under the map says the names are in the table.
- Its title, legend and source line are HTML beside and under it: crisp at any zoom, and
  drawing them with Agg at 2x would cost most of a picker change (text is the slow part of a
  matplotlib frame).  The legend is made of the maps module's own legend keys for the
  classes of :func:`~itclusters.maps.recolour`, so it says what the suite's maps say.
- Pickers, map and table sit in wrapping flex rows (``flex-flow: row wrap``): on a narrow
  screen the pickers stack and the table goes under the map.
- The table uses the suite's presentation layer: display names, units in the header, each
  indicator's number format, integer ranks, letter grades with their inferred band.
"""
from __future__ import annotations

import html
import io
from functools import lru_cache
from contextlib import ExitStack
from collections.abc import Mapping, Sequence

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgba
from matplotlib.figure import Figure

from ._checks import checked
from .catalogue import INDICATORS, Indicator, available_years, indicator_panel
from . import maps as _maps
from .mapimage import LayeredMap, png_bytes
from .maps import choropleth, credit_line, recolour, small_multiples
from .presentation import (FORMATS, NO_DATA, STYLE, TABLE_MIME, change_format, column_header,
                           display_name, format_value, grade_band, table_downloads)
from .change import (TERRITORY_CHANGED, TERRITORY_FACE, _layout_of_values, change_between,
                     change_classes, change_edges, change_words, format_change)

__all__ = ["Explorer", "explorer", "has_live_frontend", "png_bytes", "LABEL_PX", "PIXEL_RATIO",
           "view_from_query"]

#: Device pixels drawn per CSS pixel: 2 is crisp on high-density screens and on zoomed pages.
PIXEL_RATIO = 2
#: Size, in CSS pixels, of the smallest region label on the explorer's map at full width: 12 px
#: is 9 pt (96 CSS px an inch), the smallest text the suite shows.  Where the map is shown
#: narrower than drawn (a phone), its labels would be smaller: the page hides them and says
#: that the names are in the table.
LABEL_PX = 12.0
#: Width, in CSS pixels, the map is shown at when the screen has room (less on narrow screens).
MAP_CSS_WIDTH = 640
#: Region layouts whose maps an explorer keeps drawn (see ``Explorer._use_layout``).
_KEPT_LAYOUTS = 4

_LABELS_CLASS = "itclusters-map-labels"
_NAMES_NOTE_CLASS = "itclusters-map-names"
_POINTER_CLASS = "itclusters-map-pointer"  # the picture the pointer's events are read on
_LEGEND_CLASS = "itclusters-legend"
_READOUT_CLASS = "itclusters-readout"
_PROFILE_CLASS = "itclusters-profile"
_DEFINITION_CLASS = "itclusters-definition"
_MAP_COLUMN_CLASS = "itclusters-map-column"
_DOWNLOADS_CLASS = "itclusters-downloads"
_VIEW_CLASS = "itclusters-view"
_LINK_CLASS = "itclusters-link"
_SNAPSHOT_CLASS = "itclusters-snapshot"
#: The mimetype of :meth:`Explorer.snapshot_html` in the explorer's output on a Voilà page.
SNAPSHOT_MIME = "application/vnd.itclusters.snapshot+html"
_READOUT_STYLE = ("display:inline-block;font-size:13px;line-height:1.35;max-width:min(30em, 100%);"
                  "padding:2px 6px;background:rgba(255, 255, 255, 0.88);border-radius:3px;"
                  "box-sizing:border-box")
#: Width, in CSS pixels, of the region profile beside the map.
_PROFILE_PX = 340
#: The "Change since" picker's value for no change (the values of the year).
NO_CHANGE = "none"
#: Milliseconds each year is shown while the years play: long enough to read the map's colours
#: and a region or two, short enough to see a trend.
PLAY_MS = 1500
#: Milliseconds between two pointer positions sent to the kernel while the pointer moves: a
#: region under the pointer is named within a frame or two of a picker change's latency.
POINTER_WAIT_MS = 40

_SCHEME_LABELS = {
    "quantiles": "Quantiles",
    "equal_interval": "Equal intervals",
    "natural_breaks": "Natural breaks (Fisher-Jenks)",
    "log_natural_breaks": "Natural breaks on a log scale",
    "lq": "LQ: breaks at 1 and 2, quartiles below 1",
    "grade": "Letter grades (inferred scale)",
}
_GRADED = ("index", "grade", "your_index", "your_grade")  # your_*: catalogue.user_panel
# every scheme the maps module knows, the indicator-specific ones ("lq", log classes) included
_KNOWN_SCHEMES = frozenset(_maps.SCHEMES) | frozenset(getattr(_maps, "INDICATOR_SCHEMES", ()))
_DATA_SCHEMES = ("quantiles", "equal_interval", "natural_breaks")


def _on_voila() -> bool:
    """True in a kernel Voilà started (it names the kernel in the environment; a preheated
    kernel of its pool is told so from the start)."""
    import os

    return "VOILA_KERNEL_ID" in os.environ or os.environ.get("VOILA_PREHEAT") == "True"


def has_live_frontend() -> bool:
    """True inside an IPython kernel (JupyterLab, Notebook, Voilà), False in a plain process.

    A kernel run by papermill or nbconvert also counts as live; for those the explorer's
    output carries a static picture as well (see :class:`Explorer`), which exports show.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _is_lq(code: str) -> bool:
    """A location quotient: its maps break at LQ = 1 (the catalogue's scheme says so)."""
    return _about(code).scheme == "lq"


def _schemes_for(panel: pd.DataFrame, code: str) -> list[str]:
    """The classifications that suit a column, its default first where it has a fixed one."""
    if code == "grade":
        return ["grade"]
    schemes = list(_DATA_SCHEMES)
    values = pd.to_numeric(panel[code], errors="coerce").dropna()
    # a log scale only where every value is positive; "lq" and the log scheme come with the
    # suite's maps (older maps modules lack them, and the explorer then does without)
    if "log_natural_breaks" in _KNOWN_SCHEMES and len(values) and (values > 0).all():
        schemes.append("log_natural_breaks")
    if _is_lq(code) and "lq" in _KNOWN_SCHEMES:
        schemes.insert(0, "lq")
    if code in _GRADED:
        schemes.append("grade")
    return schemes


def _default_scheme(panel: pd.DataFrame, code: str) -> str:
    schemes = _schemes_for(panel, code)
    if _is_lq(code) and "lq" in schemes:
        return "lq"
    scheme = _about(code).scheme
    return scheme if scheme in schemes else schemes[0]


def _about(code: str) -> Indicator:
    """The catalogue's description of a column; a user's own column gets a plain one."""
    return INDICATORS.get(code) or Indicator(code, code, "", "")


def _title(code: str, year: int, panel: pd.DataFrame | None = None) -> str:
    harmonised = _harmonised_words(panel, year) if panel is not None else ""
    return f"{_about(code).label}, {year}{harmonised}"


@lru_cache(maxsize=4096)
def _region_label(region_id: str, year: int | None = None) -> str:
    """The display name of a region; with ``year``, a unit shown harmonised for a year after
    it was split is named for what it holds ("East-Kazakhstan incl. Abai")."""
    try:
        return display_name(region_id, year=year)
    except (KeyError, ValueError, LookupError):
        from . import layouts  # the region layouts of later years, where the suite has them

        return layouts.unit_name(region_id)


#: What a table cell reads for a unit that did not exist in that year (never "no data").
NOT_A_UNIT = "not a unit in that year"


def harmonised_to(panel: pd.DataFrame, year: int) -> str | None:
    """The layout ``year``'s values of ``panel`` are harmonised to, where it is earlier than
    that year's own (``panel.attrs["layouts"]``, as :func:`~itclusters.today.explorer_panel`
    sets it); ``None`` where the year is on its own layout or the panel does not say."""
    from .layouts import layout_of

    layout = panel.attrs.get("layouts", {}).get(year)
    if layout is None:
        return None
    try:
        own = layout_of(year)
    except ValueError:
        return None
    return layout if layout != own else None


def _harmonised_words(panel: pd.DataFrame, year: int) -> str:
    from .layouts import layout_name

    layout = harmonised_to(panel, year)
    return f", harmonised to {layout_name(layout)}" if layout else ""


def _is_unit(panel: pd.DataFrame, region_id: str, year: int) -> bool:
    """Whether ``region_id`` is a unit of the layout of ``year``'s values in ``panel``."""
    from .layouts import layout_of, layout_units

    layout = panel.attrs.get("layouts", {}).get(year)
    try:
        layout = layout or layout_of(year)
        return region_id in layout_units(layout)
    except ValueError:
        return True


def _territory_html(ids, year: int | None) -> str:
    """The changes of territory behind the names shown, said once under a table."""
    from .presentation import territory_notes

    notes = territory_notes(ids, year=year)
    if not notes:
        return ""
    return ("<div style='font-size:12px;color:#555;line-height:1.35;max-width:36em;"
            "margin:4px 8px'>" + "<br>".join(html.escape(n) for n in notes) + "</div>")


def _css_colour(colour) -> str:
    r, g, b, a = to_rgba(colour)
    return f"rgba({round(r * 255)}, {round(g * 255)}, {round(b * 255)}, {a:.3g})"


def _swatch(handle) -> str:
    """A legend key as an inline block: the patch's face, edge and hatching."""
    face = _css_colour(handle.get_facecolor())
    edge = _css_colour(handle.get_edgecolor())
    width = max(1.0, float(handle.get_linewidth() or 0.0))
    background = face
    hatch = handle.get_hatch()
    if hatch:
        # a CSS stand-in for matplotlib's hatch: thin lines in the hatch's direction (a CSS
        # gradient's stripes run across its angle: 135deg draws "/", 45deg draws "\\")
        angle = "45deg" if "\\" in hatch else "135deg"
        background = (f"repeating-linear-gradient({angle}, {edge} 0 1px, transparent 1px 4px), "
                      f"{face}")
    return (f"<span style='display:inline-block;width:22px;height:14px;flex:none;"
            f"border:{width:.1f}px solid {edge};background:{background};"
            f"margin-right:8px;box-sizing:border-box'></span>")


#: The keys of a view's query string, and the arguments of :func:`explorer` they set.
_QUERY_KEYS = {"indicator": "indicator", "year": "year", "classes": "scheme", "region": "region",
               "regions": "regions", "since": "since"}


@checked
def view_from_query(query: str | None = None) -> dict:
    """The explorer's starting values from a URL query string (as :meth:`Explorer.view_query`
    writes it); by default the page's own, which Voilà gives the kernel as ``QUERY_STRING``.

    >>> view_from_query("indicator=ict_lq&year=2016&classes=lq&region=astana")
    {'indicator': 'ict_lq', 'year': 2016, 'scheme': 'lq', 'region': 'astana'}
    >>> view_from_query("")
    {}
    """
    import os
    from urllib.parse import parse_qs

    query = os.environ.get("QUERY_STRING", "") if query is None else query
    given = parse_qs(query.lstrip("?"), keep_blank_values=False)
    # Voilà's own parameters (a theme, a template) are no business of the explorer's
    view = {}
    for key, values in given.items():
        if key not in _QUERY_KEYS:
            continue
        value = values[-1]
        if key in ("year", "since"):
            try:
                value = int(value)
            except ValueError:
                raise ValueError(f"{key}={value!r} in the page's address is not a year; "
                                 f"write e.g. {key}=2016") from None
        view[_QUERY_KEYS[key]] = value
    return view


def _layout_changes(panel: pd.DataFrame, years: Sequence[int]) -> list[int]:
    """The years among ``years`` whose values are on another layout of units than the year
    before (``panel.attrs["layouts"]``, else each year's own layout)."""
    shown = [_layout_of_values(panel, y) for y in years]
    return [y for y, before, now in zip(years[1:], shown, shown[1:]) if before != now]


def _line_chart(years, own: pd.Series, median: pd.Series, national: pd.Series | None, spec,
                changes: Sequence[int], name: str, label: str, year: int) -> str:
    """A small SVG line chart: the region, the median of the regions, the national level
    where there is one, the years of a new layout of units marked; text at 12 px."""
    width, height = 320, 150
    left, right, top, bottom = 64, 20, 10, 22  # room for the last year's label
    known = [v for v in [*own.dropna(), *median.dropna(),
                         *(national.dropna() if national is not None else [])]
             if np.isfinite(v)]
    if not known or not own.notna().any():
        return (f"<div style='font-size:12px;color:#555;margin-top:8px'>{html.escape(name)} has "
                f"no values of {html.escape(label)} in any year.</div>")
    low, high = min(known + [0.0]) if min(known) >= 0 and min(known) < 0.35 * max(known) \
        else min(known), max(known)
    if high == low:
        high, low = high + 1, low - 1 if low != 0 else 0
    first, last = years[0], years[-1]

    def x(value):
        return left + (width - left - right) * ((value - first) / (last - first)
                                                if last != first else 0.5)

    def y(value):
        return top + (height - top - bottom) * (1 - (value - low) / (high - low))

    def path(series):
        pieces, run = [], []
        for yr in years:
            value = series.get(yr, np.nan)
            if pd.notna(value):
                run.append(f"{x(yr):.1f},{y(value):.1f}")
            elif run:
                pieces.append(run)
                run = []
        if run:
            pieces.append(run)
        return "".join(f"M{' L'.join(p)} " for p in pieces).strip()

    parts = [f"<rect x='{left}' y='{top}' width='{width - left - right}' "
             f"height='{height - top - bottom}' fill='#fafafa'/>"]
    for change in changes:
        parts.append(f"<line x1='{x(change - 0.5):.1f}' x2='{x(change - 0.5):.1f}' y1='{top}' "
                     f"y2='{height - bottom}' stroke='#d95f0e' stroke-dasharray='3 3'/>")
    if national is not None:
        parts.append(f"<path d='{path(national)}' fill='none' stroke='#222' stroke-width='1.5' "
                     f"stroke-dasharray='1 3'/>")
    parts.append(f"<path d='{path(median)}' fill='none' stroke='#888' stroke-width='1.5' "
                 f"stroke-dasharray='5 3'/>")
    parts.append(f"<path d='{path(own)}' fill='none' stroke='#225ea8' stroke-width='2'/>")
    for yr in years:
        value = own.get(yr, np.nan)
        if pd.notna(value):
            radius = 4 if yr == year else 2.5
            parts.append(f"<circle cx='{x(yr):.1f}' cy='{y(value):.1f}' r='{radius}' "
                         f"fill='#225ea8'/>")
    text = "font-size='12' fill='#333' font-family='sans-serif'"
    for value in (low, high):
        parts.append(f"<text x='{left - 4}' y='{y(value) + 4:.1f}' text-anchor='end' {text}>"
                     f"{html.escape(format_value(value, spec))}</text>")
    step = 1 if len(years) <= 7 else 3 if len(years) <= 12 else 5
    ticks = sorted({first, last, *years[::step]})
    for i, yr in enumerate(ticks):
        if i and x(yr) - x(ticks[i - 1]) < 34:
            continue
        parts.append(f"<text x='{x(yr):.1f}' y='{height - 6}' text-anchor='middle' {text}>"
                     f"{yr}</text>")
    described = (f"{label}: {name} over {first}–{last}, against the median of the regions"
                 + (" and the national level" if national is not None else ""))
    svg = (f"<svg width='{width}' height='{height}' viewBox='0 0 {width} {height}' "
           f"role='img' style='max-width:100%;height:auto;display:block'>"
           f"<title>{html.escape(described)}</title>{''.join(parts)}</svg>")

    def key(colour, dash, words):
        return (f"<span style='white-space:nowrap;margin-right:10px'><svg width='20' height='8'>"
                f"<line x1='0' x2='20' y1='4' y2='4' stroke='{colour}' stroke-width='2' "
                f"stroke-dasharray='{dash}'/></svg> {html.escape(words)}</span>")

    keys = [key("#225ea8", "none", name), key("#888", "5 3", "median of the regions")]
    if national is not None:
        keys.append(key("#222", "1 3", "Kazakhstan"))
    if changes:
        keys.append(key("#d95f0e", "3 3", "new layout of units from "
                        + ", ".join(map(str, changes))))
    return (f"<div style='margin:4px 0 10px'><div style='font-size:13px;font-weight:600;"
            f"line-height:1.3;margin-bottom:2px'>{html.escape(label)}, {first}–{last}</div>"
            f"{svg}<div style='font-size:12px;line-height:1.5;color:#333'>{''.join(keys)}"
            f"</div></div>")


def _chip(face) -> str:
    """A table row's key: the colour of its region on the map."""
    return (f"<span style='display:inline-block;width:14px;height:14px;flex:none;"
            f"vertical-align:-2px;border:1px solid rgba(102, 102, 102, 1);"
            f"background:{_css_colour(face)};margin-right:6px;box-sizing:border-box'></span>")


def _sortable(values: pd.Series) -> pd.Series:
    """Numbers to rank and sort by: the values, or a letter's place on the article's scale."""
    if values.dropna().map(lambda v: isinstance(v, str)).all() and values.notna().any():
        from .indices import DEFAULT_SCALE

        scale = list(DEFAULT_SCALE.labels)
        return values.map(lambda v: float(scale.index(v)) if isinstance(v, str) and v in scale
                          else np.nan).astype(float)
    return pd.to_numeric(values, errors="coerce").astype(float)


def _definition_html(about: Indicator) -> str:
    """An indicator's definition in words, then its unit and source, then its caveat."""
    parts = []
    if about.definition:
        parts.append(html.escape(about.definition))
    facts = [f"Unit: {about.unit}." if about.unit else "",
             f"Source: {about.source}." if about.source else ""]
    facts = " ".join(f for f in facts if f)
    if facts:
        parts.append(f"<span style='color:#555'>{html.escape(facts)}</span>")
    if about.note:
        parts.append(f"<i>Note: {html.escape(about.note)}.</i>")
    if not parts:
        return ""
    return ("<div style='font-size:13px;line-height:1.4;max-width:60em;margin:2px 0 8px'>"
            + " ".join(parts) + "</div>")


def _value_with_unit(text: str, unit: str | None) -> str:
    """A formatted value with its unit, as a sentence reads it.

    >>> _value_with_unit("50.52 %", "% of national ICT GVA")
    '50.52 % of national ICT GVA'
    >>> _value_with_unit("8,650.3", "million KZT"), _value_with_unit("1.42", "LQ, 1 = national")
    ('8,650.3 million KZT', '1.42 (LQ, 1 = national)')
    >>> _value_with_unit("no data", "million KZT")
    'no data'
    """
    if not unit or text == NO_DATA:
        return text
    if unit.startswith("%"):
        return f"{text.removesuffix(' %')} {unit}"
    if "," in unit or "=" in unit:
        return f"{text} ({unit})"
    return f"{text} {unit}"


class Explorer(W.VBox):
    """Pickers for year, indicator and scheme driving one map and a table of values and ranks.

    Attributes ``year``, ``indicator`` and ``scheme`` are the pickers (``ipywidgets.Dropdown``);
    ``figure`` is the one matplotlib figure, recoloured in place; ``map`` shows it as three
    stacked pictures, ``image`` (the fills) under ``overlay`` (borders) under ``labels``, with
    ``heading``, ``legend`` and ``credit`` (HTML) around it and ``table`` beside or under it.
    :meth:`map_picture` gives the map as shown, to save.

    ``panels`` (a mapping of labels to panels, e.g. each year's own region layout and one
    harmonised layout) adds a fourth picker, ``regions``, that swaps :attr:`panel`; it starts
    on ``panel`` when that is one of them, else on the first.  ``static_years`` limits the
    static picture (see :meth:`static_figure`) to those years.
    """

    def __init__(self, panel: pd.DataFrame | None = None, *, year: int | None = None,
                 indicator: str = "index", scheme: str | None = None,
                 pixel_ratio: int = PIXEL_RATIO, map_width: int = MAP_CSS_WIDTH,
                 panels: Mapping[str, pd.DataFrame] | None = None,
                 static_years: Sequence[int] | None = None, region: str | None = None,
                 regions: str | None = None, since: int | None = None):
        if regions is not None:
            if panels is None or regions not in panels:
                raise ValueError(f"regions {regions!r} is not a label of panels; available: "
                                 f"{', '.join(panels or []) or 'none (no panels given)'}")
            panel = panels[regions]
        self.panels = dict(panels) if panels is not None else None
        if self.panels is not None:
            if not self.panels:
                raise ValueError("panels is empty: give at least one label and its panel")
            labels = [k for k, v in self.panels.items() if v is panel]
            if panel is not None and not labels:
                raise ValueError("panel is not one of panels; give panels alone, or pass one "
                                 "of its values as panel to start on it")
            start = labels[0] if labels else next(iter(self.panels))
            panel = self.panels[start]
        self.static_years = None if static_years is None else list(static_years)
        self._columns: dict = {}  # indicator -> (its panel, its column without attrs)
        self._years: dict = {}  # indicator -> (its panel, the years it has values)
        self.panel = indicator_panel() if panel is None else panel
        if indicator not in self.panel.columns:
            raise ValueError(f"unknown indicator {indicator!r}; available: "
                             f"{', '.join(self.panel.columns)}")
        if pixel_ratio < 1:
            raise ValueError(f"pixel_ratio must be 1 or more, got {pixel_ratio!r}")
        years = available_years(self.panel, indicator)
        year = years[-1] if year is None else year
        if year not in years:
            raise ValueError(f"{indicator!r} has no values for {year}; available: "
                             f"{', '.join(map(str, years))}")
        schemes = _schemes_for(self.panel, indicator)
        scheme = scheme or _default_scheme(self.panel, indicator)
        if scheme not in schemes:
            raise ValueError(f"scheme {scheme!r} does not suit {indicator!r}; use one of {schemes}")
        wide = {"description_width": "initial"}
        self.indicator = W.Dropdown(
            options=[(_about(c).label, c) for c in self.panel.columns], value=indicator,
            description="Indicator", style=wide,
            layout=W.Layout(width="460px", max_width="100%"))
        self.year = W.Dropdown(options=years, value=year, description="Year", style=wide,
                               layout=W.Layout(width="150px", max_width="100%"))
        self.scheme = W.Dropdown(options=[(_SCHEME_LABELS[s], s) for s in schemes], value=scheme,
                                 description="Classes", style=wide,
                                 layout=W.Layout(width="320px", max_width="100%"))
        self.regions = None if self.panels is None else W.Dropdown(
            options=list(self.panels), value=start, description="Regions", style=wide,
            layout=W.Layout(width="420px", max_width="100%"))
        # the region whose profile is open (None: none); a click on the map chooses it too
        options = self._region_options()
        if region is not None and region not in [v for _, v in options]:
            raise ValueError(f"unknown region {region!r}; available: "
                             f"{', '.join(v for _, v in options if v)}")
        self.region = W.Dropdown(options=options, value=region,
                                 description="Region", style=wide,
                                 layout=W.Layout(width="260px", max_width="100%"))
        self._time_pickers(indicator, year, since)
        self.pixel_ratio = pixel_ratio
        self._draw_map(map_width)
        self._title_text = ""
        css_width = self.css_size[0]
        self.heading = W.HTML(layout=W.Layout(max_width="100%"))
        # a horizontal key under the heading, as wide as the map: its text never moves the
        # map sideways or the table (it wraps onto a second line instead)
        self.legend = W.HTML(layout=W.Layout(max_width="100%"))
        self.legend.add_class(_LEGEND_CLASS)
        self.credit = W.HTML(layout=W.Layout(max_width="100%"))
        self._readouts: dict[str, str] = {}
        self._hovered: str | None = None
        self._standing: dict = {}  # (panel, indicator, year, classes) -> their standing
        # what the pointer is over (or the region last tapped), over the map's empty top
        # corner: it takes no line of the page and lets the pointer through to the map
        self.readout = W.HTML(layout=W.Layout(grid_area="1 / 1 / 2 / 2", align_self="flex-start",
                                              max_width="100%", margin="0"))
        self.readout.add_class(_READOUT_CLASS)
        self._change = None  # the change shown (change_between's table), None: the year's values
        self._change_note = ""
        if self.since_year() is not None or self.fixed.value:
            self._paint(self._values())
        self._read_annotations()
        # three pictures stacked in one grid cell: the fills, which every change redraws, and
        # over them the borders, then the labels, which only another set of regions redraws
        stacked = dict(width="100%", height="auto", grid_area="1 / 1 / 2 / 2",
                       object_fit="contain")
        self.image = W.Image(format="png", value=self._png(), layout=W.Layout(**stacked))
        self.overlay = W.Image(format="png", value=self._layers.overlay_png,
                               layout=W.Layout(**stacked))
        self.labels = W.Image(format="png", value=self._layers.labels_png,
                              layout=W.Layout(**stacked))
        self.labels.add_class(_LABELS_CLASS)
        self.overlay.add_class(_POINTER_CLASS)
        self.names_note = W.HTML(self._names_note_html(),
                                 layout=W.Layout(grid_area="3 / 1 / 4 / 2"))
        self.names_note.add_class(_NAMES_NOTE_CLASS)
        self.map = W.GridBox([self.image, self.overlay, self.labels, self.readout,
                              self.names_note],
                             layout=W.Layout(
            width=f"{css_width}px", max_width="100%", height="auto",
            grid_template_columns="minmax(0, 1fr)", align_self="flex-start", flex="0 1 auto",
            overflow="hidden"))  # the pictures' margins must not make the map box scroll
        self.map.add_class("itclusters-map")
        self.map.add_class(self._map_class())
        self.events = self._watch_pointer()
        # the profile of the region chosen, beside the map; a fixed width, so that the table
        # after it keeps its place whatever the profile says
        self.profile = W.HTML(layout=W.Layout(width=f"{_PROFILE_PX}px",
                                              max_width="calc(100% - 32px)",  # its margin too
                                              flex="0 0 auto", margin="0 32px 12px 0"))
        self.profile.add_class(_PROFILE_CLASS)
        # beside the map if it fits whole (its basis is its own width), else under it; alone
        # on a phone's row it may narrow, long region names wrapping
        self.table = W.HTML(self._table_html(), layout=W.Layout(
            flex="0 1 auto", min_width="0", max_width="100%", overflow="auto"))
        self.note = W.HTML(self._note_html(), layout=W.Layout(max_width="100%"))
        self.note.add_class(_DEFINITION_CLASS)
        # files of the view shown, made on request (a map in SVG takes a moment): the links
        # are cleared at the next change, so that a file never holds another view
        self.save = W.Button(description="Save table and map", icon="download",
                             tooltip="Make the table (CSV, XLSX) and the map (PNG at 2×, SVG) "
                                     "of this view, to download",
                             layout=W.Layout(width="auto", margin="4px 12px 4px 0"))
        self.save.on_click(lambda _: self.prepare_downloads())
        self.downloads = W.HTML(layout=W.Layout(max_width="100%", margin="4px 0"))
        self.downloads.add_class(_DOWNLOADS_CLASS)
        # the view as a query string, which the dashboard's page copies into its address
        # (share/jupyter/voila/templates/itclusters): a link then opens this view
        self.view = W.HTML(layout=W.Layout(display="none"))
        self.view.add_class(_VIEW_CLASS)
        # and the other way: the page writes its address's query here once it is shown, for
        # a kernel that ran before the reader came (Voilà's preheated kernels never see it)
        self.link = W.Text(continuous_update=True, layout=W.Layout(display="none"))
        self.link.add_class(_LINK_CLASS)
        self.link.observe(self._on_link, names="value")
        self._busy = False
        self._readouts = self._readout_texts()
        self.readout.value = self._idle_readout()
        self._show_profile()
        self.indicator.observe(self._on_indicator, names="value")
        self.year.observe(self._on_change, names="value")
        self.scheme.observe(self._on_change, names="value")
        self.region.observe(self._on_region, names="value")
        self._watch_time_pickers()
        chosen = [self.indicator, self.year, self.play, self.scheme, self.since]
        if self.regions is not None:
            self.regions.observe(self._on_panel, names="value")
            chosen.append(self.regions)
        chosen.append(self.region)
        row = dict(display="flex", flex_flow="row wrap", align_items="flex-start",
                   max_width="100%")
        # spacing by margins: ipywidgets layouts have no "gap"
        for picker in chosen:
            picker.layout.margin = "0 16px 4px 0"
            picker.layout.max_width = "calc(100% - 16px)"  # its margin included: no sideways scroll
        self.play.layout.margin = "0 8px 4px 0"
        self._chosen = chosen
        pickers = W.Box(chosen, layout=W.Layout(**row))
        self.legend.layout.margin = "0 0 4px 0"
        self.map.layout.margin = "0 0 4px 0"
        # the map's column is as wide as the map, whatever its heading, key and source line
        # say: the profile and the table beside it keep their places
        # one set of classes for every year (playing turns it on): under the map, beside the
        # files, so that the pickers keep to two rows on a laptop's screen
        saving = W.Box([self.fixed, self.save, self.downloads], layout=W.Layout(**row))
        map_column = W.VBox([self.heading, self.legend, self.map, self.credit, saving],
                            layout=W.Layout(flex="0 1 auto", width=f"{css_width}px",
                                            min_width="0", max_width="100%",
                                            margin="0 32px 12px 0"))
        map_column.add_class(_MAP_COLUMN_CLASS)
        body = W.Box([map_column, self.profile, self.table],
                     layout=W.Layout(**row, width="100%"))
        self.view.value = self._view_html()
        super().__init__([pickers, self.note, body, W.Box([self.view, self.link],
                                                          layout=W.Layout(display="none"))],
                         layout=W.Layout(width="100%", max_width="100%"))
        self.add_class("itclusters-explorer")

    # -- drawing ------------------------------------------------------------------------------
    def _draw_map(self, map_width: int) -> None:
        """Draw the map once, sized so that labels read :data:`LABEL_PX` at ``map_width``."""
        # a fixed layout: constrained layout would cost a second drawing pass per change
        self.figure = Figure(figsize=(6.4, 3.2))
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_axes((0, 0, 1, 1))
        self._draw_regions(self._values())
        smallest = min(t.get_fontsize() for t in self._static_texts)
        css_per_inch = 72.0 * LABEL_PX / smallest
        (x0, x1), (y0, y1) = self.ax.get_xlim(), self.ax.get_ylim()
        # the figure is the map's extent exactly, so the picture has the map's proportions
        css_width = int(map_width)
        css_height = int(round(css_width * (y1 - y0) / (x1 - x0)))
        self.figure.set_size_inches(css_width / css_per_inch, css_height / css_per_inch)
        self.dpi = self.pixel_ratio * css_per_inch
        self.figure.set_dpi(self.dpi)
        self.css_size = (css_width, css_height)
        self._layers = LayeredMap(self.ax, self.canvas, self._static_texts)
        # what the first picture does not need waits until the kernel is idle
        self._after_first_picture()

    def _after_first_picture(self) -> None:
        """Work the first picture does not need, done once the kernel is idle (the picture is
        then on its way to the page), one step at a time so that a reader's change gets in
        between: mapclassify, with scipy and scikit-learn under it (seconds on a cold machine),
        which a change of indicator or classes needs; then the map of each other region
        layout the panels show (:meth:`_use_layout` keeps it), so that the first Regions swap
        or Year change across a reform only recolours.  Outside a kernel's event loop (a
        script, a test) mapclassify is imported now and the maps are drawn when shown."""
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            import mapclassify  # noqa: F401
            return
        def work():
            import mapclassify  # noqa: F401
            yield
            for values in self._layout_values():
                self._keep_layout(values)
                yield

        steps = work()

        def step() -> None:
            if next(steps, StopIteration) is not StopIteration:
                loop.call_soon(step)

        loop.call_soon(step)

    def _layout_values(self) -> list[pd.Series]:
        """Values of the indicator shown for each region layout of the panels (one year each)
        other than the one drawn: what :meth:`_keep_layout` draws their maps with."""
        code, found = self.indicator.value, {}
        drawn = frozenset(self.ax._itclusters_ids)
        for panel in (self.panels or {"": self.panel}).values():
            if code not in panel.columns:
                continue
            column = panel[code].copy()
            column.attrs = {}
            for _, values in column.groupby(level="year"):
                values = values.droplevel("year")
                key = frozenset(values.index)
                if key != drawn and key not in found and values.notna().any():
                    found[key] = values
        return list(found.values())

    def _keep_layout(self, values: pd.Series) -> None:
        """Draw and keep the map of the regions of ``values``, the map shown staying shown."""
        if frozenset(values.index) in self.__dict__.get("_layout_maps", {}):
            return
        shown = self._values()
        try:
            self._use_layout(values)
        except ValueError:  # values this map cannot class: drawn when shown, if ever
            return
        finally:
            self._use_layout(shown)

    def _draw_regions(self, values: pd.Series) -> None:
        """The regions of the layout of ``values``, their labels and the source line."""
        choropleth(values, ax=self.ax, scheme=self.scheme.value,
                   title=_title(self.indicator.value, self.year.value, self.panel), units=self._unit(),
                   source=self._source(), legend=False)
        self._credit = next(t for t in self.ax.texts if t.get_gid() == "credit")
        # region labels never change: rendered once, pasted on every frame
        self._static_texts = [t for t in self.ax.texts if t is not self._credit]

    def _use_layout(self, values: pd.Series) -> None:
        """The map of the regions of ``values``: drawn the first time at the explorer's size,
        in a figure of its own, then kept with its layers (borders, labels and the pixels of
        each region never change with the colours), so that a swap back to a layout already
        shown (Regions, or a Year across a reform) only recolours it."""
        kept = self.__dict__.setdefault("_layout_maps", {})
        drawn = frozenset(self.ax._itclusters_ids)
        kept.pop(drawn, None)  # the one shown last goes last, to be kept longest
        kept[drawn] = (self.figure, self.canvas, self.ax, self._layers, self._static_texts,
                       self._credit)
        wanted = frozenset(values.index)
        if wanted in kept:
            (self.figure, self.canvas, self.ax, self._layers, self._static_texts,
             self._credit) = kept[wanted]
            return
        try:
            self.figure = Figure(figsize=self.figure.get_size_inches(), dpi=self.dpi)
            self.canvas = FigureCanvasAgg(self.figure)
            self.ax = self.figure.add_axes((0, 0, 1, 1))
            self._draw_regions(values)
            self._layers = LayeredMap(self.ax, self.canvas, self._static_texts)
        except BaseException:  # the map shown stays whole
            (self.figure, self.canvas, self.ax, self._layers, self._static_texts,
             self._credit) = kept[drawn]
            raise
        if len(kept) >= _KEPT_LAYOUTS:  # the oldest goes (each map holds ~10 MB of pixels)
            kept.pop(next(iter(kept)))

    def _png(self) -> bytes:
        """The fill layer of the map as it is coloured now (a palette PNG of a few kB)."""
        return self._layers.fill_png()

    def map_picture(self) -> np.ndarray:
        """The map as shown (fills, borders, labels) as an RGBA array of device pixels.

        Save it with e.g. ``PIL.Image.fromarray(widget.map_picture()).save("map.png")``.
        """
        return self._layers.composite()

    def _map_class(self) -> str:
        """A class naming the drawn width, for the page's rule on labels (one per width)."""
        return f"itclusters-map-{self.css_size[0]}"

    def _names_note_html(self) -> str:
        """Shown under the map where it is too narrow for its labels (see :data:`LABEL_PX`).

        A CSS container query on the map's own width hides the labels and shows this line
        whenever the map is narrower than drawn; at full width the line is hidden.
        """
        width, drawn = self.css_size[0], self._map_class()
        rule = (f".{drawn}{{container-type:inline-size}}"
                f".{drawn} .{_LABELS_CLASS}{{pointer-events:none}}"
                f".{drawn} .{_READOUT_CLASS}{{pointer-events:none;z-index:1}}"
                f".{drawn} .{_POINTER_CLASS}{{cursor:crosshair}}"
                f".{drawn} .{_NAMES_NOTE_CLASS}{{display:none}}"
                f"@container (max-width:{width - 0.5}px){{"
                f".{drawn} .{_LABELS_CLASS}{{visibility:hidden}}"
                # a map this small has no empty corner: the line goes under it
                f".{drawn} .{_READOUT_CLASS}{{grid-area:2 / 1 / 3 / 2 !important}}"
                f".{drawn} .{_NAMES_NOTE_CLASS}{{display:block}}}}")
        return (f"<style>{rule}</style><div style='font-size:12px;color:#555;line-height:1.35'>"
                "The map is too small here to name its regions: the names are in the table."
                "</div>")

    def _read_annotations(self) -> None:
        """Title, legend and source line of the matplotlib map, as HTML around the picture."""
        for widget, value in self._annotations().items():
            widget.value = value

    def _take_title(self) -> str:
        """The map's title, taken off the axes: it is HTML, and an empty one also spares
        matplotlib placing it on every draw."""
        title = self.ax.get_title(loc="left")
        self.ax.set_title("", loc="left")
        return title or self._title_text

    def _annotations(self) -> dict:
        self._title_text = title = self._take_title()
        return {
            self.heading: (f"<div style='font-size:15px;font-weight:600;line-height:1.3;"
                           f"margin:2px 0 4px'>{html.escape(title)}</div>"),
            self.legend: self._legend_html(),
            self.credit: (f"<div style='font-size:12px;color:#555;line-height:1.35'>"
                          f"{html.escape(self._credit.get_text())}</div>"),
        }

    def _legend_html(self) -> str:
        """The map's legend as HTML: the same keys, labels and title the suite's maps draw.

        Built from the classes of the last recolouring with the maps module's own legend
        handles (a private adapter: a matplotlib ``Legend`` object, laid out and never shown,
        would cost a third of a picker change).
        """
        if self._change is not None:
            return self._change_legend_html()
        classes = self.ax._itclusters_classes
        handles = _maps._legend_handles(classes)
        legend_title = getattr(_maps, "_legend_title", None)  # units and a note on the classes
        title = legend_title(self._unit(), classes) if legend_title else self._unit()
        layout = harmonised_to(self.panel, self.year.value)
        if layout:
            from .layouts import layout_name

            title = f"{title}\non {layout_name(layout)} (harmonised)" if title else \
                f"on {layout_name(layout)} (harmonised)"
        title = self._classes_words(title)
        # one key in a row, wrapping: a longer label adds a line, never width
        keys = "".join(
            f"<div style='display:flex;align-items:center;margin:2px 14px 2px 0'>"
            f"{_swatch(handle)}<span>{html.escape(handle.get_label())}</span></div>"
            for handle in handles)
        head = " · ".join(html.escape(part) for part in title.split("\n")) if title else ""
        if self._change_note:
            head = html.escape(self._change_note) + (f" · {head}" if head else "")
        # the title first in the same row: units and what to know about the classes
        return ("<div style='font-size:13px;line-height:1.3;display:flex;flex-wrap:wrap;"
                "align-items:center'>"
                + (f"<div style='color:#333;margin:2px 14px 2px 0'>{head}</div>" if head else "")
                + keys + "</div>")

    # -- state --------------------------------------------------------------------------------
    def _column(self, code: str) -> pd.Series:
        """A column of :attr:`panel` without the panel's attrs (the indicator catalogue), which
        pandas would deep-copy on every selection: a few milliseconds of every picker change."""
        panel, column = self._columns.get(code, (None, None))
        if panel is not self.panel:
            column = self.panel[code].copy()
            column.attrs = {}
            self._columns[code] = (self.panel, column)
        return column

    def _years_of(self, code: str) -> list[int]:
        """:func:`~itclusters.catalogue.available_years` of ``code``, once per panel."""
        panel, years = self._years.get(code, (None, None))
        if panel is not self.panel:
            column = self._column(code).dropna()
            years = sorted(int(y) for y in column.index.get_level_values("year").unique())
            self._years[code] = (self.panel, years)
        return years

    def _values(self) -> pd.Series:
        return self._column(self.indicator.value).xs(self.year.value, level="year")

    def _unit(self) -> str | None:
        return _about(self.indicator.value).unit or None

    def _source(self) -> str | None:
        return _about(self.indicator.value).source or None

    def _region_colours(self) -> dict[str, str]:
        """Each region's key on the map now, as a small inline swatch (its class's colour, or
        the hatched "no data" key)."""
        classes = self.ax._itclusters_classes
        ids = self.ax._itclusters_ids
        no_data = _swatch(_maps._no_data_handle())
        keys = {}
        for rid, face in zip(ids, classes.facecolors):
            known = classes.codes.get(rid, -1) >= 0
            keys[rid] = _chip(face) if known else no_data
        return keys

    def _ranked(self, values: pd.Series) -> tuple[pd.Series, list[str]]:
        """Ranks (1 = highest, ties share the best rank) and the order of a table: by value,
        then by name, so that ties read alphabetically; regions without a value last."""
        year = self.year.value
        numbers = _sortable(values)
        ranks = numbers.rank(ascending=False, method="min")
        names = {r: _region_label(r, year) for r in values.index}
        order = sorted(values.index, key=lambda r: (pd.isna(numbers[r]),
                                                    -numbers[r] if pd.notna(numbers[r]) else 0,
                                                    names[r]))
        return ranks, order

    def _table_html(self) -> str:
        """Ranks, region names (each with its colour on the map) and values, the indicator
        (with its unit) as the caption."""
        if self._change is not None:
            return self._change_table_html()
        code, year = self.indicator.value, self.year.value
        values = self._values()
        if code == "grade" or values.dropna().map(lambda v: isinstance(v, str)).all():
            return self._grade_table(values)
        numbers = pd.to_numeric(values, errors="coerce")
        ranks, order = self._ranked(numbers)
        spec = FORMATS.get(code) or _column_format(numbers)
        keys = self._region_colours()
        rows = [(format_value(ranks[r], "rank") if pd.notna(ranks[r]) else "–",
                 (keys.get(r, ""), _region_label(r, year)), format_value(numbers[r], spec))
                for r in order]
        unit = FORMATS[code].unit if code in FORMATS else _about(code).unit
        caption = column_header(code) if code in FORMATS else _about(code).label
        return (_html_table(["Rank", "Region", unit or "Value"], rows,
                            f"{caption}, {year}{_harmonised_words(self.panel, year)}")
                + _territory_html(order, year))

    def _grade_table(self, letters: pd.Series) -> str:
        ranks, order = self._ranked(letters)
        keys = self._region_colours()
        # each letter as the legend reads it, "B+ (50–60)"; that the bands are inferred is
        # said once, in the caption, not on every row
        rows = [(format_value(ranks[r], "rank") if pd.notna(ranks[r]) else "–",
                 (keys.get(r, ""), _region_label(r, self.year.value)),
                 grade_band(letters[r]).replace(", inferred", "") if isinstance(letters[r], str)
                 else NO_DATA)
                for r in order]
        caption = f"{_about(self.indicator.value).label}, {self.year.value} (bands inferred)"
        return _html_table(["Rank", "Region", FORMATS["grade"].unit], rows, caption)

    def _note_html(self) -> str:
        """The indicator in words: what it measures, its unit and source, and what to mind."""
        return _definition_html(_about(self.indicator.value))

    # -- callbacks ----------------------------------------------------------------------------
    def _on_indicator(self, change) -> None:
        if self._busy:  # set by a swap of panels, which redraws itself
            return
        self._new_column(change["new"], keep_lq_scheme=False)

    def _new_column(self, code: str, keep_lq_scheme: bool) -> None:
        """Offer ``code``'s years and classes, then redraw once.

        The pickers' updates reach the page after the new picture: the page handles the
        kernel's messages in order, and the picture is what the reader waits for.
        """
        with ExitStack() as stack:
            for widget in (self.year, self.scheme, self.note):
                stack.enter_context(widget.hold_sync())
            self._busy = True  # several pickers change; redraw once at the end
            try:
                self._refresh_pickers(code, keep_lq_scheme=keep_lq_scheme)
            finally:
                self._busy = False
            self.note.value = self._note_html()
            self.redraw()

    def _refresh_pickers(self, code: str, keep_lq_scheme: bool) -> None:
        """Years and classes offered for ``code`` in :attr:`panel`, keeping the current ones
        where they are offered (an LQ's classes around 1 are restored on a change of
        indicator unless ``keep_lq_scheme``)."""
        years = available_years(self.panel, code)
        # the year shown stays, or the nearest one offered (the later of two as near): a
        # growth rate has no 2018 on each year's own regions, and 2019 is the next best
        current = self.year.value
        keep_year = min(years, key=lambda y: (abs(y - current), -y)) if current is not None \
            else years[-1]
        self.year.options = years
        self.year.value = keep_year
        schemes = _schemes_for(self.panel, code)
        keep = (self.scheme.value
                if self.scheme.value in schemes and (keep_lq_scheme or not _is_lq(code))
                else _default_scheme(self.panel, code))
        self.scheme.options = [(_SCHEME_LABELS[s], s) for s in schemes]
        self.scheme.value = keep
        self._refresh_time_pickers(code)

    def _on_panel(self, change) -> None:
        """Another set of regions: the indicator and year stay where the new panel has them."""
        self.panel = self.panels[change["new"]]
        code = self.indicator.value
        codes = list(self.panel.columns)
        if code not in codes:
            code = codes[0]
        with self.indicator.hold_sync():
            self._busy = True
            try:
                self.indicator.options = [(_about(c).label, c) for c in codes]
                self.indicator.value = code
            finally:
                self._busy = False
            self._new_column(code, keep_lq_scheme=True)
        self._refresh_region_options()

    # -- pointer, readout and profile -----------------------------------------------------------
    def _region_options(self) -> list[tuple[str, str | None]]:
        """The Region picker: none, then every unit of the panel in any year, by name."""
        ids = list(dict.fromkeys(self.panel.index.get_level_values("region_id")))
        named = sorted((_region_label(r), r) for r in ids)
        return [("(none: click the map)", None), *named]

    def _refresh_region_options(self) -> None:
        chosen = self.region.value
        options = self._region_options()
        with self.region.hold_trait_notifications():
            self.region.options = options
            self.region.value = chosen if chosen in [v for _, v in options] else None

    def _watch_pointer(self):
        """Mouse and touch on the map (``ipyevents``): a move names the region under the
        pointer, a click or tap opens its profile.  Read on the borders' picture, the top one
        that takes the pointer (the labels over it let it through)."""
        from ipyevents import Event

        events = Event(source=self.overlay, watched_events=["mousemove", "mouseleave", "click"],
                       throttle_or_debounce="throttle", wait=POINTER_WAIT_MS)
        events.on_dom_event(self._on_pointer)
        return events

    def _on_pointer(self, event: dict) -> None:
        """One event on the map: ``dataX``/``dataY`` are device pixels of the picture."""
        kind = event.get("type")
        if kind == "mouseleave":
            self._hovered = None
            chosen = self.region.value
            self.readout.value = self._readouts.get(chosen, self._idle_readout()) if chosen \
                else self._idle_readout()
            return
        if "dataX" not in event:
            return
        rid = self._layers.region_at(event["dataX"], event["dataY"])
        if kind == "click":
            if rid is not None:
                self.region.value = rid
            return
        if rid == self._hovered:
            return
        self._hovered = rid
        if rid is None:
            chosen = self.region.value
            self.readout.value = self._readouts.get(chosen, self._idle_readout()) if chosen \
                else self._idle_readout()
        else:
            self.readout.value = self._readouts.get(rid, self._idle_readout())

    def _on_region(self, change) -> None:
        rid = change["new"]
        self.view.value = self._view_html()
        self._show_profile()
        if rid is not None and self._hovered is None:
            self.readout.value = self._readouts.get(rid, self._idle_readout())

    @staticmethod
    def _idle_readout() -> str:
        return (f"<div style='{_READOUT_STYLE};color:#555'>Point at or tap a region for its "
                "value; click it for its profile.</div>")

    def _readout_texts(self) -> dict[str, str]:
        """What the line over the map says for each region: name, value with its unit, rank
        of N and class, made at each redraw so that the pointer only looks it up."""
        if self._change is not None:
            return self._change_readouts()
        code, year = self.indicator.value, self.year.value
        values = self._values()
        classes = self.ax._itclusters_classes
        numbers = _sortable(values)
        ranks = numbers.rank(ascending=False, method="min")
        count = int(numbers.notna().sum())
        spec = FORMATS.get(code) or _column_format(numbers)
        unit = _about(code).unit or None
        keys = self._region_colours()
        texts = {}
        for rid in values.index:
            value = values[rid]
            if isinstance(value, str):
                shown = grade_band(value).replace(", inferred", "")
            else:
                shown = _value_with_unit(format_value(value, spec), unit)
            code_ = classes.codes.get(rid, -1)
            parts = [shown]
            if pd.notna(ranks.get(rid, np.nan)):
                parts.append(f"rank {int(ranks[rid])} of {count}")
            if code_ >= 0 and not isinstance(value, str):
                parts.append(f"class {classes.labels[code_]}")
            texts[rid] = (f"<div style='{_READOUT_STYLE}'>{keys.get(rid, '')}"
                          f"<b>{html.escape(_region_label(rid, year))}</b>: "
                          f"{html.escape(' · '.join(parts))}</div>")
        return texts

    def _show_profile(self) -> None:
        """The profile of the region chosen, beside the map; none, and no room taken, while no
        region is chosen (the table then sits beside the map where the screen allows)."""
        self.profile.value = self._profile_html()
        self.profile.layout.display = "none" if self.region.value is None else "block"

    def _profile_html(self) -> str:
        """The profile of the region chosen: every indicator of the year, and the chart of
        the indicator shown over the years."""
        rid = self.region.value
        if rid is None:
            return ""
        code, year = self.indicator.value, self.year.value
        name = _region_label(rid, year)
        head = (f"<div style='font-size:15px;font-weight:600;line-height:1.3;margin:0 0 4px'>"
                f"{html.escape(name)}, {year}{html.escape(_harmonised_words(self.panel, year))}"
                f"</div>")
        if not _is_unit(self.panel, rid, year) or rid not in self._values().index:
            body = (f"<div style='font-size:13px;line-height:1.4'>{html.escape(name)} is "
                    f"{NOT_A_UNIT} ({year}); its path over the years is below.</div>")
        else:
            body = self._profile_table(rid, year)
        # the chart first: on a laptop's screen it is beside the map, the long table under it
        return (f"<div style='font-size:13px;line-height:1.35'>{head}"
                f"{self._profile_chart(rid, code)}{body}</div>")

    def _indicator_standing(self, code: str, year: int):
        """Values, ranks, count with a value and classes of ``code`` in ``year`` (the map's
        classes for the indicator shown, each other indicator's own default classes)."""
        key = (id(self.panel), code, year, self.scheme.value if code == self.indicator.value
               else None)
        cached = self._standing.get(key)
        if cached is not None and cached[0] is self.panel:
            return cached[1]
        values = self._column(code).xs(year, level="year")
        numbers = _sortable(values)
        ranks = numbers.rank(ascending=False, method="min")
        if code == self.indicator.value:
            classes = self.ax._itclusters_classes
        else:
            try:
                classes = _maps.classify(values.rename(code), _default_scheme(self.panel, code),
                                         ids=list(values.index))
            except ValueError:  # too few values to class
                classes = None
        standing = (values, ranks, int(numbers.notna().sum()), classes)
        if len(self._standing) > 256:
            self._standing.clear()
        self._standing[key] = (self.panel, standing)
        return standing

    def _profile_table(self, rid: str, year: int) -> str:
        """Every indicator of ``year``: value with its unit, rank of N, class."""
        rows = []
        for code in self.panel.columns:
            if year not in self._years_of(code):
                continue
            values, ranks, count, classes = self._indicator_standing(code, year)
            about = _about(code)
            value = values.get(rid, np.nan)
            if isinstance(value, str):
                shown = value
            else:
                numbers = pd.to_numeric(values, errors="coerce")
                shown = format_value(value, FORMATS.get(code) or _column_format(numbers))
            rank = (f"{int(ranks[rid])} of {count}" if pd.notna(ranks.get(rid, np.nan))
                    else "–")
            klass = "–"
            if classes is not None and classes.codes.get(rid, -1) >= 0:
                klass = classes.labels[classes.codes[rid]]
            chosen = code == self.indicator.value
            style = "font-weight:600;" if chosen else ""
            unit = (f"<div style='color:#666;font-size:12px'>{html.escape(about.unit)}</div>"
                    if about.unit else "")
            rows.append(
                f"<tr style='{style}border-top:1px solid #eee'>"
                f"<td style='padding:2px 6px 2px 0;vertical-align:top' "
                f"title='{html.escape(about.definition, quote=True)}'>"
                f"{html.escape(about.label)}{unit}</td>"
                f"<td style='padding:2px 6px;text-align:right;white-space:nowrap;"
                f"vertical-align:top'>{html.escape(shown)}</td>"
                f"<td style='padding:2px 6px;text-align:right;white-space:nowrap;"
                f"vertical-align:top'>{html.escape(rank)}</td>"
                f"<td style='padding:2px 0 2px 6px;vertical-align:top;font-size:12px'>"
                f"{html.escape(klass)}</td></tr>")
        head = "".join(f"<th style='text-align:{a};padding:0 6px 2px {p};font-weight:600'>{h}</th>"
                       for h, a, p in (("Indicator", "left", "0"), ("Value", "right", "6px"),
                                       ("Rank", "right", "6px"), ("Class", "left", "6px")))
        return ("<table class='itclusters-profile-table' style='font-size:13px;"
                "border-collapse:collapse;font-variant-numeric:tabular-nums;width:100%'>"
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")

    def _profile_chart(self, rid: str, code: str) -> str:
        """The indicator shown, over every year, for the region against the median of the
        regions (and LQ = 1, the national level, for a location quotient)."""
        column = self._column(code)
        if column.dropna().map(lambda v: isinstance(v, str)).all():
            return ("<div style='font-size:12px;color:#555;margin-top:8px'>Letters are not "
                    "charted: choose the index for its path over the years.</div>")
        numbers = pd.to_numeric(column, errors="coerce")
        years = self._years_of(code)
        try:
            own = numbers.xs(rid, level="region_id").reindex(years)
        except KeyError:
            own = pd.Series(np.nan, index=years)
        median = numbers.groupby(level="year").median().reindex(years)
        # the Republic's values where the panel has them (today.explorer_panel); an LQ's is
        # 1 by its definition
        given = self.panel.attrs.get("national")
        if given is not None and code in given.columns:
            national = pd.to_numeric(given[code], errors="coerce").reindex(years)
            national = national if national.notna().any() else None
        else:
            national = pd.Series(1.0, index=years) if _is_lq(code) else None
        spec = FORMATS.get(code) or _column_format(numbers)
        changes = _layout_changes(self.panel, years)
        chart = _line_chart(years, own, median, national, spec, changes,
                            _region_label(rid), _about(code).label, self.year.value)
        words = _about(code).definition
        return chart + (f"<div style='font-size:12px;line-height:1.35;color:#444;"
                        f"margin:-4px 0 10px'>{html.escape(words)}</div>" if words else "")

    def _on_change(self, change) -> None:
        if not self._busy:
            self.redraw()

    def redraw(self) -> None:
        """Recolour the map for the current pickers and refresh picture, legend and table."""
        values = self._values()
        drawn = getattr(self.ax, "_itclusters_ids", None)  # maps that know several layouts
        if drawn is not None and set(values.index) != set(drawn):
            # another region layout (e.g. 17 units from 2018): its map, drawn once, same size
            self._use_layout(values)
            # before the fills that go under them
            self.overlay.value = self._layers.overlay_png
            self.labels.value = self._layers.labels_png
        self._paint(values)
        boundaries = getattr(self.ax, "_itclusters_boundaries", None)  # that map's own credit
        self._credit.set_text(credit_line(self._source(), *boundaries) if boundaries
                              else credit_line(self._source()))
        self._title_text = self._take_title()
        # the picture first: each widget update is one message, and the browser handles them
        # in order; title, legend, source line and table follow
        self.image.value = self._png()
        self._readouts = self._readout_texts()
        shown = self._hovered or self.region.value
        self.readout.value = self._readouts.get(shown, self._idle_readout()) if shown \
            else self._idle_readout()
        for widget, value in self._annotations().items():
            widget.value = value
        self.table.value = self._table_html()
        self._show_profile()
        self.downloads.value = ""  # made for the view before
        self.view.value = self._view_html()

    # -- change between two years, and play over the years ------------------------------------
    def _time_pickers(self, code: str, year: int, since: int | None) -> None:
        """The "Change since" picker, the play control over the years and the choice of one
        set of classes for every year."""
        years = available_years(self.panel, code)
        options = self._since_options(code, years)
        if since is not None and since not in [v for _, v in options][1:]:
            offered = [str(v) for _, v in options if v is not None]
            raise ValueError(f"since={since!r}: {code!r} has no change from that year; "
                             f"available: {', '.join(offered) or 'none (letters have no change)'}")
        wide = {"description_width": "initial"}
        # "none" is a value of its own: a value of None would show no option chosen at all
        self.since = W.Dropdown(options=options, value=NO_CHANGE if since is None else since,
                                description="Change since",
                                style=wide, disabled=len(options) == 1,
                                layout=W.Layout(width="200px", max_width="100%"))
        # steps the Year picker through its years, one every PLAY_MS, and stops at the last
        self.play = W.Play(value=years.index(year), min=0, max=max(len(years) - 1, 0), step=1,
                           interval=PLAY_MS, repeat=False, show_repeat=False,
                           tooltip=f"Play the years, one every {PLAY_MS / 1000:g} s, with the "
                                   "same classes for every year",
                           layout=W.Layout(width="auto"))
        self.fixed = W.Checkbox(value=False, description="Same classes for every year",
                                indent=False, style=wide,
                                layout=W.Layout(width="auto", margin="0 16px 4px 0"))
        self._fixed: dict = {}  # (panel, indicator, classes or since) -> class edges

    def since_year(self) -> int | None:
        """The year of "Change since", ``None`` when the year's own values are shown."""
        since = self.since.value
        return None if since == NO_CHANGE else since

    @staticmethod
    def _since_options(code: str, years: Sequence[int]) -> list[tuple[str, int | None]]:
        none = [("none", NO_CHANGE)]
        if change_format(code if code in FORMATS else None) is None:
            return none  # letters have no change
        return none + [(str(y), y) for y in years]

    def _refresh_time_pickers(self, code: str) -> None:
        """After a new indicator or panel: the years it can change from, and play over."""
        years = list(self.year.options)
        options = self._since_options(code, years)
        chosen = self.since.value
        offered = [v for _, v in options]
        # one after the other (the pickers' callbacks wait, self._busy): options held back
        # with the value would reset the value after it
        self.since.options = options
        self.since.value = chosen if chosen in offered else NO_CHANGE
        self.since.disabled = len(options) == 1
        self.play.max = max(len(years) - 1, 0)
        self.play.value = years.index(self.year.value)

    def _watch_time_pickers(self) -> None:
        self.since.observe(self._on_change, names="value")
        self.fixed.observe(self._on_change, names="value")
        self.play.observe(self._on_play, names="value")
        self.play.observe(self._on_playing, names="playing")
        self.year.observe(self._follow_year, names="value")

    def _on_play(self, change) -> None:
        if self._busy:  # the years offered are changing; _refresh_time_pickers follows
            return
        years = list(self.year.options)
        step = change["new"]
        if 0 <= step < len(years) and self.year.value != years[step]:
            self.year.value = years[step]

    def _follow_year(self, change) -> None:
        if self._busy:
            return
        years = list(self.year.options)
        if change["new"] in years and self.play.value != years.index(change["new"]):
            self.play.value = years.index(change["new"])

    def _on_playing(self, change) -> None:
        """Playing keeps one set of classes for every year, so that colours compare."""
        if change["new"] and not self.fixed.value:
            self.fixed.value = True

    def _paint(self, values: pd.Series) -> None:
        """Colour the map for the pickers: the values of the year, or their change since the
        year of "Change since"; with "Same classes for every year", classes over all years."""
        code, year, since = self.indicator.value, self.year.value, self.since_year()
        self._change, self._change_note = None, ""
        if since is not None and since != year:
            table = change_between(self.panel, code, since, year)
            edges = self._fixed_change_edges(code, since) if self.fixed.value else None
            self._change_classes = change_classes(table, ids=self.ax._itclusters_ids,
                                                  edges=edges)
            self._change = table
            _maps.paint(self.ax, self._change_classes,
                        title=f"{_about(code).label}, change {since} → {year}"
                              f"{_harmonised_words(self.panel, year)}")
            return
        if since is not None:
            self._change_note = (f"A change since {since} needs another year than {year}: the "
                                 f"values of {year} are shown.")
        scheme = self.scheme.value
        bins = self._fixed_bins(code, scheme) if self.fixed.value else None
        # fixed LQ and log classes keep their scheme (and its legend note) with the given breaks
        recolour(self.ax, values, scheme=scheme if bins is None or scheme in (
                 "lq", "log_natural_breaks") else "user_defined", bins=bins,
                 title=_title(code, year, self.panel), units=self._unit())

    def _fixed_bins(self, code: str, scheme: str):
        """Class edges of ``scheme`` over every year of ``code`` (``None`` for letters, whose
        classes are the same in every year already; an LQ's quartiles below 1 are pooled)."""
        if scheme not in (*_DATA_SCHEMES, "log_natural_breaks", "lq"):
            return None
        key = (id(self.panel), code, scheme)
        cached = self._fixed.get(key)
        if cached is None or cached[0] is not self.panel:
            numbers = pd.to_numeric(self._column(code), errors="coerce").dropna()
            try:
                edges = _maps.class_breaks(numbers, scheme)
            except ValueError:  # a log scale over a value of zero or below
                edges = _maps.class_breaks(numbers, "natural_breaks")
            cached = (self.panel, edges)
            self._fixed[key] = cached
        return cached[1]

    def _fixed_change_edges(self, code: str, since: int):
        """The classes of the change since ``since`` to every other year, together."""
        key = (id(self.panel), code, "since", since)
        cached = self._fixed.get(key)
        if cached is None or cached[0] is not self.panel:
            changes = [change_between(self.panel, code, since, y)["change"]
                       for y in self._years_of(code) if y != since]
            fmt = change_format(code if code in FORMATS else None)
            cached = (self.panel, change_edges(pd.concat(changes) if changes else [], fmt))
            self._fixed[key] = cached
        return cached[1]

    def _classes_words(self, title: str | None) -> str | None:
        """The legend's title, saying when the classes are those of every year."""
        if not self.fixed.value:
            return title
        years = self._years_of(self.indicator.value)
        words = f"classes fixed over {years[0]}–{years[-1]}"
        return f"{title}\n{words}" if title else words

    def _change_keys(self) -> list:
        """The legend's keys of the change shown: its classes, "no data", "territory changed"."""
        from matplotlib.patches import Patch

        classes, table = self._change_classes, self._change
        handles = [Patch(facecolor=c, edgecolor="0.4", linewidth=0.5, label=label)
                   for c, label in zip(classes.colors, classes.labels)]
        territory = set(classes.territory)
        if any(r not in territory for r in classes.missing):
            handles.append(_maps._no_data_handle())
        if territory:
            handles.append(Patch(facecolor=TERRITORY_FACE, edgecolor="0.45", hatch="////",
                                 linewidth=0.5, label=TERRITORY_CHANGED))
        return handles

    def _change_legend_html(self) -> str:
        table = self._change
        fmt, since, year = table.attrs["format"], table.attrs["since"], table.attrs["year"]
        head = self._classes_words(change_words(fmt, since, year))
        head = " · ".join(html.escape(part) for part in head.split("\n"))
        keys = "".join(
            f"<div style='display:flex;align-items:center;margin:2px 14px 2px 0'>"
            f"{_swatch(handle)}<span>{html.escape(handle.get_label())}</span></div>"
            for handle in self._change_keys())
        return ("<div style='font-size:13px;line-height:1.3;display:flex;flex-wrap:wrap;"
                "align-items:center'>"
                f"<div style='color:#333;margin:2px 14px 2px 0'>{head}</div>{keys}</div>")

    def _change_chips(self) -> dict[str, str]:
        classes = self._change_classes
        keys = {h.get_label(): _swatch(h) for h in self._change_keys()[len(classes.labels):]}
        chips = {}
        for rid, face in zip(classes.codes.index, classes.facecolors):
            if rid in classes.territory:
                chips[rid] = keys.get(TERRITORY_CHANGED, "")
            elif classes.codes[rid] < 0:
                chips[rid] = keys.get(NO_DATA, "")
            else:
                chips[rid] = _chip(face)
        return chips

    def _change_rows(self):
        """The change table's regions in order (largest gain first, then those without a
        number by name), with ranks of the change."""
        table, year = self._change, self.year.value
        ranks = table["change"].rank(ascending=False, method="min")
        names = {r: _region_label(r, year) for r in table.index}
        order = sorted(table.index, key=lambda r: (pd.isna(table.at[r, "change"]),
                                                   -table.at[r, "change"]
                                                   if pd.notna(table.at[r, "change"]) else 0,
                                                   names[r]))
        return ranks, order, names

    @staticmethod
    def _short_reason(reason: str) -> str:
        return TERRITORY_CHANGED if reason.startswith(TERRITORY_CHANGED) else \
            NO_DATA if reason.startswith("no data") else "not computed"

    def _change_table_html(self) -> str:
        """The values of both years and the change, the change's unit in its header; why a
        region has no change said under the table."""
        table = self._change
        code, fmt = self.indicator.value, table.attrs["format"]
        since, year = table.attrs["since"], table.attrs["year"]
        spec = FORMATS.get(code) or _column_format(table["later"])
        ranks, order, names = self._change_rows()
        chips = self._change_chips()
        rows = []
        for r in order:
            change, reason = table.at[r, "change"], table.at[r, "reason"]
            earlier = table.at[r, "earlier"]
            rows.append((format_value(ranks[r], "rank") if pd.notna(ranks[r]) else "–",
                         (chips.get(r, ""), names[r]),
                         format_value(earlier, spec) if pd.notna(earlier) or
                         not reason.startswith(TERRITORY_CHANGED) else "–",
                         format_value(table.at[r, "later"], spec),
                         format_change(change, fmt) if pd.notna(change)
                         else self._short_reason(reason)))
        about = _about(code)
        unit = f" ({about.unit})" if about.unit else ""
        caption = (f"{about.label}{unit}: {since}, {year} and the change"
                   f"{_harmonised_words(self.panel, year)}")
        headers = ["Rank", "Region", str(since), str(year), f"Change, {fmt.short}"]
        # why a region has no change, each reason once with its regions: "Territory changed,
        # not compared: Shymkent, Turkestan (a unit with this territory only from 2018); ..."
        groups: dict[str, dict[str, list[str]]] = {}
        for r in order:
            reason = table.at[r, "reason"]
            if not reason:
                continue
            if reason.startswith(TERRITORY_CHANGED):
                head, detail = "Territory changed, not compared", reason.split(": ", 1)[-1]
            elif reason.startswith("no data"):
                head, detail = "No data", reason
            else:
                head, detail = "Not computed", reason
            groups.setdefault(head, {}).setdefault(detail, []).append(names[r])
        notes = "".join(
            "<div style='font-size:12px;color:#555;line-height:1.35;max-width:36em;"
            f"margin:4px 8px'>{html.escape(head)}: " + html.escape("; ".join(
                f"{', '.join(regions)} ({detail})" for detail, regions in details.items()))
            + ".</div>"
            for head, details in groups.items())
        return _html_table(headers, rows, caption) + notes

    def _change_readouts(self) -> dict[str, str]:
        """The line over the map for each region in the change view."""
        table = self._change
        code, fmt = self.indicator.value, table.attrs["format"]
        since, year = table.attrs["since"], table.attrs["year"]
        spec = FORMATS.get(code) or _column_format(table["later"])
        ranks, _, names = self._change_rows()
        count = int(table["change"].notna().sum())
        chips = self._change_chips()
        texts = {}
        for rid in table.index:
            change, reason = table.at[rid, "change"], table.at[rid, "reason"]
            parts = [format_change(change, fmt, with_unit=True) if pd.notna(change) else reason,
                     f"{format_value(table.at[rid, 'earlier'], spec)} in {since} → "
                     f"{format_value(table.at[rid, 'later'], spec)} in {year}"]
            if pd.notna(ranks[rid]):
                parts.append(f"rank {int(ranks[rid])} of {count}")
            texts[rid] = (f"<div style='{_READOUT_STYLE}'>{chips.get(rid, '')}"
                          f"<b>{html.escape(names[rid])}</b>: "
                          f"{html.escape(' · '.join(parts))}</div>")
        return texts

    # -- a still picture of the view, while a page's scripts start ---------------------------
    def snapshot_html(self) -> str:
        """The view shown, as one still piece of HTML: the pickers' choices, the definition,
        heading, key, map (its three pictures inline), source line, profile and table, in the
        explorer's own layout.

        Nothing in it responds: it is what a reader sees while the page's scripts and the
        kernel connect (the dashboard's Voilà page shows it from the first moment, see
        ``share/jupyter/voila/templates/itclusters``), so it carries the view's query string
        (:meth:`view_query`) for the page to check that it shows the view its address asks for.
        """
        import base64

        def picture(value: bytes) -> str:
            data = base64.b64encode(value).decode("ascii")
            return (f"<img alt='' src='data:image/png;base64,{data}' style='grid-area:1 / 1 / "
                    f"2 / 2;width:100%;height:auto'>")

        boxes = []
        for picker in self._chosen:
            if picker is self.play:
                # its two buttons, play and stop, greyed
                boxes.append("<span style='display:inline-flex;align-items:center;"
                             "justify-content:space-around;width:68px;height:28px;"
                             "margin:0 8px 4px 0;background:#eee;color:#aaa;"
                             "box-sizing:border-box'><span>▶</span><span>■</span></span>")
                continue
            width = picker.layout.width or "auto"
            shown = picker.label if picker.label is not None else ""
            boxes.append(
                f"<span style='display:inline-flex;align-items:center;width:{width};"
                "max-width:calc(100% - 16px);height:28px;margin:0 16px 4px 0;gap:6px;"
                "box-sizing:border-box;font-size:13px;color:#555'>"
                f"<span style='white-space:nowrap'>{html.escape(picker.description)}</span>"
                "<span style='flex:1 1 auto;min-width:0;overflow:hidden;text-overflow:ellipsis;"
                "white-space:nowrap;border:1px solid #c8c8c8;padding:3px 6px;color:#222'>"
                f"{html.escape(str(shown)) or '&nbsp;'}</span></span>")
        css_width = self.css_size[0]
        layers = "".join([picture(self.image.value), picture(self.overlay.value),
                          picture(self.labels.value)])
        profile = ("" if self.region.value is None else
                   f"<div style='width:{_PROFILE_PX}px;max-width:calc(100% - 32px);"
                   f"flex:0 0 auto;margin:0 32px 12px 0'>{self.profile.value}</div>")
        return (
            f"<div class='{_SNAPSHOT_CLASS}' data-query='"
            f"{html.escape(self.view_query(), quote=True)}' style='font-size:13px;"
            "line-height:1.35;max-width:100%'>"
            "<div style='display:flex;flex-flow:row wrap;align-items:flex-start'>"
            f"{''.join(boxes)}</div>"
            f"<div class='{_SNAPSHOT_CLASS}-status'></div>"
            f"<div>{self.note.value}</div>"
            "<div style='display:flex;flex-flow:row wrap;align-items:flex-start;width:100%'>"
            f"<div style='flex:0 1 auto;width:{css_width}px;min-width:0;max-width:100%;"
            "margin:0 32px 12px 0'>"
            f"<div>{self.heading.value}</div><div style='margin:0 0 4px'>{self.legend.value}</div>"
            f"<div style='display:grid;grid-template-columns:minmax(0, 1fr);margin:0 0 4px'>"
            f"{layers}</div><div>{self.credit.value}</div></div>{profile}"
            f"<div style='flex:0 1 auto;min-width:0;max-width:100%;overflow:auto'>"
            f"{self.table.value}</div></div></div>")

    # -- the view as a link ------------------------------------------------------------------
    def view_query(self) -> str:
        """The view shown as a URL query string, which :func:`view_from_query` reads back:
        ``indicator=ict_lq&year=2016&classes=lq`` (and ``region``, ``regions`` when set)."""
        from urllib.parse import urlencode

        state = {"indicator": self.indicator.value, "year": self.year.value,
                 "classes": self.scheme.value}
        if self.regions is not None:
            state["regions"] = self.regions.value
        if self.region.value is not None:
            state["region"] = self.region.value
        if self.since_year() is not None:
            state["since"] = self.since_year()
        return urlencode(state)

    def show_view(self, query: str) -> None:
        """Show the view a query string names (as :meth:`view_query` writes it); a value the
        data do not offer is left as it is, and said under the pickers."""
        view = view_from_query(query)
        refused = []
        if "regions" in view and self.regions is not None:
            if view["regions"] in self.regions.options:
                self.regions.value = view["regions"]
            else:
                refused.append(f"regions={view['regions']}")
        for key, picker in (("indicator", self.indicator), ("year", self.year),
                            ("scheme", self.scheme), ("region", self.region),
                            ("since", self.since)):
            if key not in view:
                continue
            offered = [o[1] if isinstance(o, tuple) else o for o in picker.options]
            if view[key] in offered:
                picker.value = view[key]
            else:
                refused.append(f"{'classes' if key == 'scheme' else key}={view[key]}")
        if refused:
            self.note.value = (self._note_html() + "<div style='font-size:13px;color:#a33'>"
                               f"The link asked for {html.escape(', '.join(refused))}, which "
                               "this view does not offer: shown as it was.</div>")

    def _on_link(self, change) -> None:
        if change["new"]:
            self.show_view(change["new"])

    def _view_html(self) -> str:
        return f"<span data-query='{html.escape(self.view_query(), quote=True)}'></span>"

    # -- downloads --------------------------------------------------------------------------------
    def table_frame(self) -> pd.DataFrame:
        """The table shown, as data: rank, region, value in the unit shown (a share in %),
        and class on the map, in the table's order; ``attrs`` hold its title, unit and source.

        In the change view ("Change since"), the change table shown: rank of the change,
        region, the values of both years, the change in its unit (percentage points, % or a
        ratio), why a region has none, and its class on the map.
        """
        if self._change is not None:
            return self._change_frame()
        code, year = self.indicator.value, self.year.value
        values = self._values()
        classes = self.ax._itclusters_classes
        ranks, order = self._ranked(values)
        about = _about(code)
        spec = FORMATS.get(code)
        scale = 100.0 if spec is not None and spec.kind == "percent" else 1.0
        unit = spec.unit if spec is not None and spec.unit else about.unit
        rows = []
        for rid in order:
            value = values[rid]
            shown = value if isinstance(value, str) or pd.isna(value) else float(value) * scale
            klass = classes.codes.get(rid, -1)
            rows.append({"rank": int(ranks[rid]) if pd.notna(ranks[rid]) else None,
                         "region": _region_label(rid, year), "region_id": rid,
                         "value": shown,
                         "class": classes.labels[klass] if klass >= 0 else NO_DATA})
        frame = pd.DataFrame(rows).astype({"rank": "Int64"})
        frame.attrs.update(title=f"{about.label}, {year}{_harmonised_words(self.panel, year)}",
                           unit=unit or "", source=about.source or "",
                           definition=about.definition or "",
                           classes=_SCHEME_LABELS.get(self.scheme.value, self.scheme.value))
        return frame

    def _change_frame(self) -> pd.DataFrame:
        table, code = self._change, self.indicator.value
        fmt, since, year = table.attrs["format"], table.attrs["since"], table.attrs["year"]
        classes = self._change_classes
        ranks, order, names = self._change_rows()
        about = _about(code)
        spec = FORMATS.get(code)
        scale = 100.0 if spec is not None and spec.kind == "percent" else 1.0
        unit = spec.unit if spec is not None and spec.unit else about.unit

        def shown(value):
            return value if pd.isna(value) else float(value) * scale

        rows = []
        for rid in order:
            klass = classes.codes.get(rid, -1)
            reason = table.at[rid, "reason"]
            rows.append({"rank": int(ranks[rid]) if pd.notna(ranks[rid]) else None,
                         "region": names[rid], "region_id": rid,
                         "earlier": shown(table.at[rid, "earlier"]),
                         "later": shown(table.at[rid, "later"]),
                         "change": table.at[rid, "change"], "reason": reason,
                         "class": classes.labels[klass] if klass >= 0 else
                         self._short_reason(reason) if reason else NO_DATA})
        frame = pd.DataFrame(rows).astype({"rank": "Int64"})
        frame.attrs.update(title=f"{about.label}: {since}, {year} and the change"
                                 f"{_harmonised_words(self.panel, year)}",
                           unit=unit or "", source=about.source or "",
                           definition=about.definition or "",
                           classes=f"diverging classes of the change in {fmt.unit}, centred "
                                   f"on no change ({fmt.centre:g})",
                           since=since, year=year, change_unit=fmt.short)
        return frame

    def _header_rows(self, frame: pd.DataFrame) -> list[tuple[str, str]]:
        return [("Title", frame.attrs["title"]), ("Unit", frame.attrs["unit"]),
                ("Source", frame.attrs["source"]), ("Definition", frame.attrs["definition"]),
                ("Classes", frame.attrs["classes"])]

    def _columns_named(self, frame: pd.DataFrame) -> pd.DataFrame:
        unit = frame.attrs["unit"]
        within = f" ({unit})" if unit else ""
        names = {"rank": "Rank", "region": "Region", "region_id": "Region id",
                 "value": f"Value{within}", "class": "Class on the map"}
        if "change" in frame.columns:  # the change view's table
            names.update(rank="Rank of the change", earlier=f"{frame.attrs['since']}{within}",
                         later=f"{frame.attrs['year']}{within}",
                         change=f"Change ({frame.attrs['change_unit']})",
                         reason="Why no change")
        return frame.rename(columns=names)

    def table_csv(self) -> bytes:
        """The table as CSV (UTF-8): a row each for title, unit, source, definition and
        classes, an empty row, then the table with its unit in the value's header."""
        import csv

        frame = self.table_frame()
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows(self._header_rows(frame))
        writer.writerow([])
        self._columns_named(frame).to_csv(out, index=False, lineterminator="\n")
        return out.getvalue().encode("utf-8")

    def table_xlsx(self) -> bytes:
        """The table as an Excel workbook: the same header rows, then the table."""
        frame = self.table_frame()
        header = self._header_rows(frame)
        out = io.BytesIO()
        with pd.ExcelWriter(out, engine="openpyxl") as writer:
            self._columns_named(frame).to_excel(writer, index=False, sheet_name="table",
                                                startrow=len(header) + 1)
            sheet = writer.sheets["table"]
            for row, (name, text) in enumerate(header, start=1):
                sheet.cell(row=row, column=1, value=name)
                sheet.cell(row=row, column=2, value=text)
        return out.getvalue()

    def map_figure(self) -> Figure:
        """The map of the view as a figure of its own, with title, legend and source line
        (the suite's maps module draws it), to save."""
        values = self._values().rename(self.indicator.value)
        ax = choropleth(values, scheme=self.scheme.value,
                        title=_title(self.indicator.value, self.year.value, self.panel),
                        units=self._unit(), source=self._source())
        return ax.figure

    def map_files(self) -> tuple[bytes, bytes]:
        """The map of :meth:`map_figure` as PNG at twice the notebooks' resolution, and SVG."""
        import tempfile
        from pathlib import Path

        figure = self.map_figure()
        try:
            with tempfile.TemporaryDirectory(prefix="itclusters-map-") as folder:
                png = _maps.save_figure(figure, Path(folder) / "map.png",
                                        dpi=2 * STYLE["figure.dpi"]).read_bytes()
                svg = _maps.save_figure(figure, Path(folder) / "map.svg").read_bytes()
        finally:
            plt.close(figure)
        return png, svg

    def prepare_downloads(self) -> None:
        """Make the files of the view shown and offer them as links (``download`` anchors
        holding the file: no server route, so JupyterLab and Voilà alike)."""
        import base64

        since = self.since_year() if self._change is not None else None
        stem = (f"itclusters_{self.indicator.value}_{self.year.value}" if since is None else
                f"itclusters_{self.indicator.value}_change_{since}-{self.year.value}")
        self.save.disabled, self.save.description = True, "Making the files…"
        self.downloads.value = ""
        try:
            png, svg = self.map_files()
        finally:
            self.save.disabled, self.save.description = False, "Save table and map"
        files = [("Table (CSV)", f"{stem}.csv", "text/csv", self.table_csv()),
                 ("Table (XLSX)", f"{stem}.xlsx",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  self.table_xlsx()),
                 ("Map (PNG, 2×)", f"{stem}.png", "image/png", png),
                 ("Map (SVG)", f"{stem}.svg", "image/svg+xml", svg)]
        links = " · ".join(
            f"<a download='{html.escape(name, quote=True)}' "
            f"href='data:{kind};base64,{base64.b64encode(data).decode('ascii')}' "
            f"style='white-space:nowrap;color:#225ea8;text-decoration:underline'>"
            f"{html.escape(label)}</a>"
            for label, name, kind, data in files)
        self.downloads.value = f"<div style='font-size:13px;line-height:1.6'>{links}</div>"

    # -- static fallback ----------------------------------------------------------------------
    def static_figure(self) -> Figure:
        """Small multiples of the current indicator over all its years (shared classes), or
        over the ``static_years`` given that have values."""
        return static_explorer(self.panel, self.indicator.value, self.scheme.value,
                               years=self.static_years)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if _on_voila():
            # a Voilà page always draws the live view, never an export's static form; until it
            # has, the dashboard's page shows this still picture of the view (snapshot_html)
            data[SNAPSHOT_MIME] = self.snapshot_html()
            return data, (dict(bundle[1]) if isinstance(bundle, tuple) else {})
        # exports without widget state (papermill -> HTML) show this picture instead, and
        # where HTML is shown (the HTML report) the same maps over the table of their values:
        # region names and numbers, which maps that small cannot carry
        picture = self._static_png()
        data["image/png"] = picture
        data["text/html"] = self.static_html(picture)
        # the table's downloads (CSV, XLSX, LaTeX), offered under it in the HTML report
        data[TABLE_MIME] = table_downloads(self._static_numbers())
        # where only the picture is shown, at its CSS size, as the HTML shows it
        metadata = dict(bundle[1]) if isinstance(bundle, tuple) else {}
        metadata["image/png"] = {"width": _css_width(picture)}
        return data, metadata

    def _static_png(self) -> str:
        """:meth:`static_figure` as a base64 PNG at twice the notebooks' own resolution (sharp
        on a high-density screen), shown at their size so that 9 pt reads 9 pt (12 CSS px) as
        their figures do (:func:`_css_width`)."""
        import base64

        figure = self.static_figure()
        buffer = io.BytesIO()
        # "tight": the source line under small multiples can be wider than the maps
        figure.savefig(buffer, format="png", dpi=STATIC_PIXEL_RATIO * STYLE["figure.dpi"],
                       bbox_inches="tight", metadata={"Software": None})
        plt.close(figure)
        return base64.b64encode(buffer.getvalue()).decode("ascii")

    def _static_values(self):
        """The static table's years, values (regions by year), number format and caption."""
        from .layouts import layout_name

        code = self.indicator.value
        years = available_years(self.panel, code)
        years = [y for y in (self.static_years or years) if y in years]
        about = _about(code)
        values = self.panel[code].unstack("year")[years]
        spec = FORMATS.get(code) or _column_format(pd.to_numeric(values.stack(), errors="coerce"))
        unit = f" ({about.unit})" if about.unit else ""
        harmonised = sorted({harmonised_to(self.panel, y) for y in years} - {None})
        words = "".join(f", harmonised to {layout_name(lay)} where a year's own units differ"
                        for lay in harmonised)
        return years, values, spec, f"{about.label}{unit}, by year{words}"

    def _static_numbers(self):
        """The static table as numbers, for its downloads: a unit that did not exist in a year
        is empty there, as a missing value is."""
        from .presentation import format_table

        years, values, spec, caption = self._static_values()
        numbers = pd.DataFrame({y: [values.loc[r, y] if _is_unit(self.panel, r, y) else np.nan
                                    for r in values.index] for y in years},
                               index=[_span_label(self.panel, r, years) for r in values.index])
        numbers.index.name = "Region"
        numeric = _numeric(values)
        return format_table(numbers, formats={y: spec if numeric else "text" for y in years},
                            headers={y: str(y) for y in years}, caption=caption)

    def static_html(self, picture: str | None = None) -> str:
        """The explorer's static form as HTML: the maps of :meth:`static_figure` (``picture``,
        a base64 PNG, else drawn now) over a table of the values, regions by year."""
        from .presentation import format_table

        years, values, spec, caption = self._static_values()
        picture = picture if picture is not None else self._static_png()
        about = _about(self.indicator.value)
        shown = pd.DataFrame({y: [format_value(values.loc[r, y], spec)
                                  if _is_unit(self.panel, r, y) else NOT_A_UNIT
                                  for r in values.index] for y in years},
                             index=[_span_label(self.panel, r, years) for r in values.index])
        shown.index.name = "Region"
        table = format_table(shown, formats={y: "text" for y in years},
                             headers={y: str(y) for y in years}, caption=caption)
        if _numeric(values):  # numbers (as text) line up on the right, as in the tables
            table = _aligned_right(table)
        alt = html.escape(f"Maps of {about.label}, {years[0]}–{years[-1]}, one set of classes",
                          quote=True)
        notes = _territory_html(values.index, None)  # the units reduced in 2022, once
        size = f" style='width:{_css_width(picture)}px;max-width:100%'" if picture else ""
        # the table scrolls in a box of its own on a narrow screen; the maps stay in view
        return (f"<img src='data:image/png;base64,{picture}' alt='{alt}'{size}>"
                f"<div class='itc-scroll-box' style='overflow-x:auto'>{table.to_html()}</div>"
                f"{notes}")


def _aligned_right(table):
    """A table of :func:`format_table` (a Styler, or a :class:`SplitTable` of many years) with
    every column aligned right."""
    from .presentation import SplitTable

    if isinstance(table, SplitTable):
        return SplitTable([_aligned_right(part) for part in table.parts],
                          whole=None if table.whole is None else _aligned_right(table.whole))
    return table.set_table_styles(
        {c: [{"selector": "td, th.col_heading", "props": "text-align: right;"}]
         for c in table.data.columns}, overwrite=False)


def _numeric(values: pd.DataFrame) -> bool:
    """Whether a table of values holds numbers (not letters, as the grades are)."""
    return all(pd.api.types.is_numeric_dtype(values[c]) for c in values.columns)


#: the static picture's pixels per CSS pixel (reports are read on high-density screens)
STATIC_PIXEL_RATIO = 2
#: the widest a picture is shown: the report's page column
STATIC_MAX_CSS_PX = 900


def _css_width(picture: str) -> int:
    """The CSS width of a base64 PNG of :meth:`Explorer._static_png`: its pixels over
    :data:`STATIC_PIXEL_RATIO`, at most the page column (a tight box can be a few pixels wider
    than the figure)."""
    import base64
    import struct

    head = base64.b64decode(picture[:64])
    width = struct.unpack(">I", head[16:20])[0]  # the PNG header's width
    return min(round(width / STATIC_PIXEL_RATIO), STATIC_MAX_CSS_PX)


def _span_label(panel: pd.DataFrame, region_id: str, years) -> str:
    """A row of a table over ``years``: the region's name, and what it holds in the years
    ``panel`` shows it harmonised ("East-Kazakhstan; Abai + East-Kazakhstan (since 2022) in
    2025")."""
    from .presentation import _parts_in

    merged: dict[tuple, list[int]] = {}
    for year in years:
        if not (harmonised_to(panel, year) and _is_unit(panel, region_id, year)):
            continue
        parts = _parts_in(region_id, int(year))
        if parts is not None and list(parts) != [region_id]:
            merged.setdefault(parts, []).append(int(year))
    label = _region_label(region_id)
    for parts, when in merged.items():
        label += (f"; {' + '.join(_region_label(p) for p in parts)} in "
                  f"{', '.join(map(str, when))}")
    return label


def _column_format(numbers: pd.Series) -> str:
    """Fixed decimals for a column outside the catalogue (enough to tell values apart)."""
    finite = numbers.replace([np.inf, -np.inf], np.nan).dropna().abs()
    largest = float(finite.max()) if len(finite) else 0.0
    return f"number:{0 if largest >= 1000 else 1 if largest >= 100 else 2 if largest >= 1 else 3}"


def _html_table(headers: list[str], rows: list[tuple], caption: str) -> str:
    def align(i: int) -> str:
        return "left" if i == 1 else "right"

    def heading(i: int, text: str) -> str:
        # a long unit ("% of national ICT GVA") wraps over its numbers, not widening the table
        shown = (f"<div style='max-width:8.5em;margin-left:auto'>{html.escape(text)}</div>"
                 if i == 2 else html.escape(text))
        return (f"<th style='text-align:{align(i)};padding:2px 8px;line-height:1.3;"
                f"vertical-align:bottom'>{shown}</th>")

    def cell(value) -> str:
        # a (chip, text) pair: the chip is HTML of ours, the text is escaped
        if isinstance(value, tuple):
            chip, text = value
            return f"{chip}{html.escape(text)}"
        return html.escape(value)

    head = "".join(heading(i, h) for i, h in enumerate(headers))
    # numbers never break; a long region name may, on a phone ("North-Kazakhstan")
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:{align(i)};padding:1px 8px;line-height:1.4;"
                         f"white-space:{'normal' if i == 1 else 'nowrap'}'>{cell(value)}</td>"
                         for i, value in enumerate(row)) + "</tr>"
        for row in rows)
    return (f"<table class='itclusters-table' style='font-size:13px;border-collapse:collapse;"
            f"font-variant-numeric:tabular-nums'><caption style='caption-side:top;"
            f"text-align:left;font-weight:600;line-height:1.3;padding:0 8px 4px'>"
            f"{html.escape(caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def static_explorer(panel: pd.DataFrame, indicator: str = "index", scheme: str | None = None,
                    years: Sequence[int] | None = None):
    """The explorer's static form: one map per available year (or per year of ``years`` that
    has values), one set of classes."""
    info = _about(indicator)
    available = available_years(panel, indicator)
    if years is None:
        years = available
    else:
        missing = [y for y in years if y not in available]
        if missing:
            raise ValueError(f"{indicator!r} has no values for {', '.join(map(str, missing))}; "
                             f"available: {', '.join(map(str, available))}")
        years = list(years)
    harmonised = sorted({harmonised_to(panel, y) for y in years} - {None})
    title = info.label
    if harmonised:
        from .layouts import layout_name

        title += "".join(f", harmonised to {layout_name(lay)}" for lay in harmonised)
    return small_multiples(panel[indicator], years,
                           scheme=scheme or _default_scheme(panel, indicator), title=title,
                           units=info.unit or None, source=info.source or None,
                           ncols=min(len(years), 3))


@checked
def explorer(panel: pd.DataFrame | None = None, *, year: int | None = None,
             indicator: str = "index", scheme: str | None = None,
             interactive: bool | None = None,
             panels: Mapping[str, pd.DataFrame] | None = None,
             static_years: Sequence[int] | None = None, region: str | None = None,
             regions: str | None = None, since: int | None = None):
    """Explore any indicator on the map of the 16 regions (or of each year's regions).

    Parameters
    ----------
    panel : DataFrame, optional
        Indicators indexed by ``(region_id, year)``; default :func:`~itclusters.catalogue.indicator_panel`.
    year, indicator, scheme
        The pickers' starting values.
    interactive : bool, optional
        ``None`` decides by :func:`has_live_frontend`.
    panels : mapping of str to DataFrame, optional
        Several panels under the labels of a "Regions" picker, e.g.
        :func:`~itclusters.today.explorer_panels` (each year's own regions, or harmonised);
        the static form shows the first (or ``panel``, when it is one of them).
    static_years : list of int, optional
        The years of the static form (default: every year with values).
    region : str, optional
        A region id whose profile is open from the start.
    regions : str, optional
        The label of ``panels`` to start on.  ``itc.explorer(**view_from_query())`` opens the
        view a link names (:func:`view_from_query`).
    since : int, optional
        Start on the change from this year to ``year`` (the "Change since" picker): percentage
        points for a share, % for a level, the ratio for a location quotient, on units whose
        territory is the same in both years (:func:`itclusters.change.change_between`).

    Returns
    -------
    Explorer or matplotlib Figure
        The widget in a kernel; a static small-multiples figure elsewhere.
    """
    live = has_live_frontend() if interactive is None else interactive
    if live:
        return Explorer(panel, year=year, indicator=indicator, scheme=scheme, panels=panels,
                        static_years=static_years, region=region, regions=regions, since=since)
    if panels and regions is not None:
        panel = panels[regions]
    if panels and panel is None:
        panel = next(iter(panels.values()))
    panel = indicator_panel() if panel is None else panel
    if indicator not in panel.columns:
        raise ValueError(f"unknown indicator {indicator!r}; available: {', '.join(panel.columns)}")
    return static_explorer(panel, indicator, scheme, years=static_years)
