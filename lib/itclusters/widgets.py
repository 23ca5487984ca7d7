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
from .presentation import (FORMATS, NO_DATA, STYLE, column_header, display_name, format_value,
                           grade_band)

__all__ = ["Explorer", "explorer", "has_live_frontend", "png_bytes", "LABEL_PX", "PIXEL_RATIO"]

#: Device pixels drawn per CSS pixel: 2 is crisp on high-density screens and on zoomed pages.
PIXEL_RATIO = 2
#: Size, in CSS pixels, of the smallest region label on the explorer's map at full width: 12 px
#: is 9 pt (96 CSS px an inch), the smallest text the suite shows.  Where the map is shown
#: narrower than drawn (a phone), its labels would be smaller: the page hides them and says
#: that the names are in the table.
LABEL_PX = 12.0
#: Width, in CSS pixels, the map is shown at when the screen has room (less on narrow screens).
MAP_CSS_WIDTH = 640

_LABELS_CLASS = "itclusters-map-labels"
_NAMES_NOTE_CLASS = "itclusters-map-names"

_SCHEME_LABELS = {
    "quantiles": "Quantiles",
    "equal_interval": "Equal intervals",
    "natural_breaks": "Natural breaks (Fisher-Jenks)",
    "log_natural_breaks": "Natural breaks on a log scale",
    "lq": "Fixed classes around LQ = 1",
    "grade": "Letter grades (inferred scale)",
}
_GRADED = ("index", "grade", "your_index", "your_grade")  # your_*: catalogue.user_panel
# the legend's widest: 15em of its 14 px text
_LEGEND_PX = 210
# every scheme the maps module knows, the indicator-specific ones ("lq", log classes) included
_KNOWN_SCHEMES = frozenset(_maps.SCHEMES) | frozenset(getattr(_maps, "INDICATOR_SCHEMES", ()))
_DATA_SCHEMES = ("quantiles", "equal_interval", "natural_breaks")


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
                 static_years: Sequence[int] | None = None):
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
                                 layout=W.Layout(width="340px", max_width="100%"))
        self.regions = None if self.panels is None else W.Dropdown(
            options=list(self.panels), value=start, description="Regions", style=wide,
            layout=W.Layout(width="420px", max_width="100%"))
        self.pixel_ratio = pixel_ratio
        self._draw_map(map_width)
        self._title_text = ""
        self.heading = W.HTML(layout=W.Layout(max_width="100%"))
        # a long legend title wraps rather than pushing the table under the map
        self.legend = W.HTML(layout=W.Layout(flex="0 1 auto", min_width="0",
                                             max_width=f"{_LEGEND_PX}px"))
        self.credit = W.HTML(layout=W.Layout(max_width="100%"))
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
        self.names_note = W.HTML(self._names_note_html(),
                                 layout=W.Layout(grid_area="2 / 1 / 3 / 2"))
        self.names_note.add_class(_NAMES_NOTE_CLASS)
        self.map = W.GridBox([self.image, self.overlay, self.labels, self.names_note],
                             layout=W.Layout(
            width=f"{self.css_size[0]}px", max_width="100%", height="auto",
            grid_template_columns="minmax(0, 1fr)", align_self="flex-start", flex="0 1 auto",
            overflow="hidden"))  # the pictures' margins must not make the map box scroll
        self.map.add_class("itclusters-map")
        self.map.add_class(self._map_class())
        # beside the map if it fits whole (its basis is its own width), else under it; alone
        # on a phone's row it may narrow, long region names wrapping
        self.table = W.HTML(self._table_html(), layout=W.Layout(
            flex="1 1 auto", min_width="0", max_width="100%", overflow="auto"))
        self.note = W.HTML(self._note_html(), layout=W.Layout(max_width="100%"))
        self._busy = False
        self.indicator.observe(self._on_indicator, names="value")
        self.year.observe(self._on_change, names="value")
        self.scheme.observe(self._on_change, names="value")
        chosen = [self.indicator, self.year, self.scheme]
        if self.regions is not None:
            self.regions.observe(self._on_panel, names="value")
            chosen.append(self.regions)
        row = dict(display="flex", flex_flow="row wrap", align_items="flex-start",
                   max_width="100%")
        # spacing by margins: ipywidgets layouts have no "gap"
        for picker in chosen:
            picker.layout.margin = "0 16px 4px 0"
            picker.layout.max_width = "calc(100% - 16px)"  # its margin included: no sideways scroll
        pickers = W.Box(chosen, layout=W.Layout(**row))
        self.legend.layout.margin = "0 0 8px 0"
        self.map.layout.margin = "0 16px 8px 0"
        picture = W.Box([self.map, self.legend], layout=W.Layout(**row))
        # the heading and the source line wrap at the width of map and legend: unwrapped, a
        # long credit (the 16 regions' note on later borders) stretched the map's column over
        # the whole row and pushed the table under the map
        text_width = f"min({self.css_size[0] + 16 + _LEGEND_PX}px, 100%)"
        self.heading.layout.max_width = text_width
        self.credit.layout.max_width = text_width
        map_column = W.VBox([self.heading, picture, self.credit], layout=W.Layout(
            flex="0 1 auto", min_width="0", max_width="100%", margin="0 32px 12px 0"))
        body = W.Box([map_column, self.table], layout=W.Layout(**row, width="100%"))
        super().__init__([pickers, self.note, body],
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
        # mapclassify (and scipy under it) is imported now, not at the reader's first change
        # of indicator or classes, which would otherwise stall for a second or more
        import mapclassify  # noqa: F401

    def _draw_regions(self, values: pd.Series) -> None:
        """The regions of the layout of ``values``, their labels and the source line."""
        choropleth(values, ax=self.ax, scheme=self.scheme.value,
                   title=_title(self.indicator.value, self.year.value, self.panel), units=self._unit(),
                   source=self._source(), legend=False)
        self._credit = next(t for t in self.ax.texts if t.get_gid() == "credit")
        # region labels never change: rendered once, pasted on every frame
        self._static_texts = [t for t in self.ax.texts if t is not self._credit]

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
                f".{drawn} .{_NAMES_NOTE_CLASS}{{display:none}}"
                f"@container (max-width:{width - 0.5}px){{"
                f".{drawn} .{_LABELS_CLASS}{{visibility:hidden}}"
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
        classes = self.ax._itclusters_classes
        handles = _maps._legend_handles(classes)
        legend_title = getattr(_maps, "_legend_title", None)  # units and a note on the classes
        title = legend_title(self._unit(), classes) if legend_title else self._unit()
        layout = harmonised_to(self.panel, self.year.value)
        if layout:
            from .layouts import layout_name

            title = f"{title}\non {layout_name(layout)} (harmonised)" if title else \
                f"on {layout_name(layout)} (harmonised)"
        lines = "".join(
            f"<div style='display:flex;align-items:center;margin:3px 0'>{_swatch(handle)}"
            f"<span>{html.escape(handle.get_label())}</span></div>" for handle in handles)
        head = "<br>".join(html.escape(part) for part in title.split("\n")) if title else ""
        return (f"<div style='font-size:13px;line-height:1.3'>"
                + (f"<div style='color:#333;margin-bottom:4px'>{head}</div>" if head else "")
                + lines + "</div>")

    # -- state --------------------------------------------------------------------------------
    def _values(self) -> pd.Series:
        code = self.indicator.value
        panel, column = self._columns.get(code, (None, None))
        if panel is not self.panel:
            # without the panel's attrs (the indicator catalogue), which pandas would
            # deep-copy on every selection: a few milliseconds of every picker change
            column = self.panel[code].copy()
            column.attrs = {}
            self._columns[code] = (self.panel, column)
        return column.xs(self.year.value, level="year")

    def _unit(self) -> str | None:
        return _about(self.indicator.value).unit or None

    def _source(self) -> str | None:
        return _about(self.indicator.value).source or None

    def _table_html(self) -> str:
        """Ranks, region names and values, the indicator (with its unit) as the caption."""
        code, year = self.indicator.value, self.year.value
        values = self._values()
        if code == "grade" or values.dropna().map(lambda v: isinstance(v, str)).all():
            return self._grade_table(values)
        numbers = pd.to_numeric(values, errors="coerce")
        ranks = numbers.rank(ascending=False, method="min")
        order = numbers.sort_values(ascending=False, na_position="last").index
        spec = FORMATS.get(code) or _column_format(numbers)
        rows = [(format_value(ranks[r], "rank") if pd.notna(ranks[r]) else "–",
                 _region_label(r, year), format_value(numbers[r], spec)) for r in order]
        unit = FORMATS[code].unit if code in FORMATS else _about(code).unit
        caption = column_header(code) if code in FORMATS else _about(code).label
        return (_html_table(["Rank", "Region", unit or "Value"], rows,
                            f"{caption}, {year}{_harmonised_words(self.panel, year)}")
                + _territory_html(order, year))

    def _grade_table(self, letters: pd.Series) -> str:
        from .indices import DEFAULT_SCALE

        scale = list(DEFAULT_SCALE.labels)
        position = letters.map(lambda v: scale.index(v) if isinstance(v, str) and v in scale
                               else np.nan).astype(float)
        ranks = position.rank(ascending=False, method="min")
        order = position.sort_values(ascending=False, na_position="last").index
        # each letter as the legend reads it, "B+ (50–60)"; that the bands are inferred is
        # said once, in the caption, not on every row
        rows = [(format_value(ranks[r], "rank") if pd.notna(ranks[r]) else "–",
                 _region_label(r, self.year.value),
                 grade_band(letters[r]).replace(", inferred", "") if isinstance(letters[r], str)
                 else NO_DATA)
                for r in order]
        caption = f"{_about(self.indicator.value).label}, {self.year.value} (bands inferred)"
        return _html_table(["Rank", "Region", FORMATS["grade"].unit], rows, caption)

    def _note_html(self) -> str:
        note = _about(self.indicator.value).note
        return (f"<div style='line-height:1.35;margin:2px 0 6px'><i>{html.escape(note)}</i></div>"
                if note else "")

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

    def _on_change(self, change) -> None:
        if not self._busy:
            self.redraw()

    def redraw(self) -> None:
        """Recolour the map for the current pickers and refresh picture, legend and table."""
        values = self._values()
        drawn = getattr(self.ax, "_itclusters_ids", None)  # maps that know several layouts
        if drawn is not None and set(values.index) != set(drawn):
            # another region layout (e.g. 17 units from 2018): draw that map once, same size
            self.ax.clear()
            self.ax.set_axis_off()
            self._draw_regions(values)
            self._layers = LayeredMap(self.ax, self.canvas, self._static_texts)
            # before the fills that go under them
            self.overlay.value = self._layers.overlay_png
            self.labels.value = self._layers.labels_png
        recolour(self.ax, values, scheme=self.scheme.value,
                 title=_title(self.indicator.value, self.year.value, self.panel),
                 units=self._unit())
        boundaries = getattr(self.ax, "_itclusters_boundaries", None)  # that map's own credit
        self._credit.set_text(credit_line(self._source(), *boundaries) if boundaries
                              else credit_line(self._source()))
        self._title_text = self._take_title()
        # the picture first: each widget update is one message, and the browser handles them
        # in order; title, legend, source line and table follow
        self.image.value = self._png()
        for widget, value in self._annotations().items():
            widget.value = value
        self.table.value = self._table_html()

    # -- static fallback ----------------------------------------------------------------------
    def static_figure(self) -> Figure:
        """Small multiples of the current indicator over all its years (shared classes), or
        over the ``static_years`` given that have values."""
        return static_explorer(self.panel, self.indicator.value, self.scheme.value,
                               years=self.static_years)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        # exports without widget state (papermill -> HTML) show this picture instead, and
        # where HTML is shown (the HTML report) the same maps over the table of their values:
        # region names and numbers, which maps that small cannot carry
        picture = self._static_png()
        data["image/png"] = picture
        data["text/html"] = self.static_html(picture)
        return bundle

    def _static_png(self) -> str:
        """:meth:`static_figure` as a base64 PNG at the notebooks' own resolution, so that
        9 pt reads 9 pt (12 CSS px) as their figures do."""
        import base64

        figure = self.static_figure()
        buffer = io.BytesIO()
        # "tight": the source line under small multiples can be wider than the maps
        figure.savefig(buffer, format="png", dpi=STYLE["figure.dpi"], bbox_inches="tight",
                       metadata={"Software": None})
        plt.close(figure)
        return base64.b64encode(buffer.getvalue()).decode("ascii")

    def static_html(self, picture: str | None = None) -> str:
        """The explorer's static form as HTML: the maps of :meth:`static_figure` (``picture``,
        a base64 PNG, else drawn now) over a table of the values, regions by year."""
        from .layouts import layout_name
        from .presentation import format_table

        code = self.indicator.value
        years = available_years(self.panel, code)
        years = [y for y in (self.static_years or years) if y in years]
        picture = picture if picture is not None else self._static_png()
        about = _about(code)
        values = self.panel[code].unstack("year")[years]
        spec = FORMATS.get(code) or _column_format(pd.to_numeric(values.stack(), errors="coerce"))
        unit = f" ({about.unit})" if about.unit else ""
        shown = pd.DataFrame({y: [format_value(values.loc[r, y], spec)
                                  if _is_unit(self.panel, r, y) else NOT_A_UNIT
                                  for r in values.index] for y in years},
                             index=[_span_label(self.panel, r, years) for r in values.index])
        shown.index.name = "Region"
        harmonised = sorted({harmonised_to(self.panel, y) for y in years} - {None})
        words = "".join(f", harmonised to {layout_name(lay)} where a year's own units differ"
                        for lay in harmonised)
        table = format_table(shown, formats={y: "text" for y in years},
                             headers={y: str(y) for y in years},
                             caption=f"{about.label}{unit}, by year{words}")
        alt = html.escape(f"Maps of {about.label}, {years[0]}–{years[-1]}, one set of classes",
                          quote=True)
        notes = _territory_html(values.index, None)  # the units reduced in 2022, once
        return f"<img src='data:image/png;base64,{picture}' alt='{alt}'>{table.to_html()}{notes}"


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


def _html_table(headers: list[str], rows: list[tuple[str, str, str]], caption: str) -> str:
    def align(i: int) -> str:
        return "left" if i == 1 else "right"

    def heading(i: int, text: str) -> str:
        # a long unit ("% of national ICT GVA") wraps over its numbers, not widening the table
        shown = (f"<div style='max-width:8.5em;margin-left:auto'>{html.escape(text)}</div>"
                 if i == 2 else html.escape(text))
        return (f"<th style='text-align:{align(i)};padding:2px 8px;line-height:1.3;"
                f"vertical-align:bottom'>{shown}</th>")

    head = "".join(heading(i, h) for i, h in enumerate(headers))
    # numbers never break; a long region name may, on a phone ("North-Kazakhstan")
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:{align(i)};padding:1px 8px;line-height:1.4;"
                         f"white-space:{'normal' if i == 1 else 'nowrap'}'>{html.escape(cell)}</td>"
                         for i, cell in enumerate(row)) + "</tr>"
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
             static_years: Sequence[int] | None = None):
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

    Returns
    -------
    Explorer or matplotlib Figure
        The widget in a kernel; a static small-multiples figure elsewhere.
    """
    live = has_live_frontend() if interactive is None else interactive
    if live:
        return Explorer(panel, year=year, indicator=indicator, scheme=scheme, panels=panels,
                        static_years=static_years)
    if panels and panel is None:
        panel = next(iter(panels.values()))
    panel = indicator_panel() if panel is None else panel
    if indicator not in panel.columns:
        raise ValueError(f"unknown indicator {indicator!r}; available: {', '.join(panel.columns)}")
    return static_explorer(panel, indicator, scheme, years=static_years)
