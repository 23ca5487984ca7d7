"""The interactive explorer: pick a year, an indicator and a classification; see the map.

The map is drawn once; a picker change only recolours it (:func:`~itclusters.maps.recolour`)
and swaps the picture of an ``ipywidgets.Image``, so nothing flickers.  Without a live front
end (papermill, nbconvert, a plain Python process) the same call gives a static figure of
every year instead, so that a batch report still shows each choice.
"""
from __future__ import annotations

import io

import ipywidgets as W
import numpy as np
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from .catalogue import INDICATORS, Indicator, available_years, indicator_panel
from .maps import SCHEMES, choropleth, credit_line, recolour, small_multiples

__all__ = ["Explorer", "explorer", "has_live_frontend"]

_SCHEME_LABELS = {
    "quantiles": "Quantiles",
    "equal_interval": "Equal intervals",
    "natural_breaks": "Natural breaks (Fisher-Jenks)",
    "grade": "Letter grades (inferred scale)",
}
_GRADED = ("index", "grade", "your_index", "your_grade")  # your_*: catalogue.user_panel


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


def _schemes_for(code: str) -> list[str]:
    if code == "grade":
        return ["grade"]
    schemes = [s for s in SCHEMES if s not in ("user_defined", "grade", "categories")]
    return schemes + (["grade"] if code in _GRADED else [])


def _about(code: str) -> Indicator:
    """The catalogue's description of a column; a user's own column gets a plain one."""
    return INDICATORS.get(code) or Indicator(code, code, "", "")


def _title(code: str, year: int) -> str:
    return f"{_about(code).label}, {year}"


class Explorer(W.VBox):
    """Pickers for year, indicator and scheme driving one map and a table of values and ranks.

    Attributes ``year``, ``indicator`` and ``scheme`` are the pickers (``ipywidgets.Dropdown``);
    ``figure`` is the one matplotlib figure, recoloured in place; ``image`` shows it.
    """

    def __init__(self, panel: pd.DataFrame | None = None, *, year: int | None = None,
                 indicator: str = "index", scheme: str | None = None, dpi: int = 72):
        self.panel = indicator_panel() if panel is None else panel
        if indicator not in self.panel.columns:
            raise ValueError(f"unknown indicator {indicator!r}; available: "
                             f"{', '.join(self.panel.columns)}")
        self.dpi = dpi
        years = available_years(self.panel, indicator)
        year = years[-1] if year is None else year
        if year not in years:
            raise ValueError(f"{indicator!r} has no values for {year}; available: "
                             f"{', '.join(map(str, years))}")
        schemes = _schemes_for(indicator)
        scheme = scheme or _about(indicator).scheme
        if scheme not in schemes:
            raise ValueError(f"scheme {scheme!r} does not suit {indicator!r}; use one of {schemes}")
        self.indicator = W.Dropdown(
            options=[(_about(c).label, c) for c in self.panel.columns],
            value=indicator, description="Indicator", layout=W.Layout(width="480px"))
        self.year = W.Dropdown(options=years, value=year, description="Year")
        self.scheme = W.Dropdown(options=[(_SCHEME_LABELS[s], s) for s in schemes], value=scheme,
                                 description="Classes", layout=W.Layout(width="360px"))
        # a fixed layout: constrained layout would cost a second drawing pass per change
        self.figure = Figure(figsize=(10, 4.6))
        self.figure.subplots_adjust(left=0.005, right=0.8, bottom=0.05, top=0.92)
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_subplot()
        choropleth(self._values(), ax=self.ax, scheme=scheme, title=_title(indicator, year),
                   units=self._unit(), source=self._source())
        # region labels never change: render them once, paste them on every frame; the credit
        # line names the indicator's source, so it is redrawn
        self._credit = next(t for t in self.ax.texts if t.get_gid() == "credit")
        self._static_texts = [t for t in self.ax.texts if t is not self._credit]
        self._static_layer = self._render_static_layer()
        self.image = W.Image(format="png", value=self._png(), layout=W.Layout(width="auto"))
        self.table = W.HTML(self._table_html())
        self.note = W.HTML(self._note_html())
        self._busy = False
        self.indicator.observe(self._on_indicator, names="value")
        self.year.observe(self._on_change, names="value")
        self.scheme.observe(self._on_change, names="value")
        super().__init__([
            W.HBox([self.indicator, self.year, self.scheme]),
            self.note,
            W.HBox([self.image, self.table]),
        ])

    # -- state --------------------------------------------------------------------------------
    def _values(self) -> pd.Series:
        return self.panel[self.indicator.value].xs(self.year.value, level="year")

    def _unit(self) -> str | None:
        return _about(self.indicator.value).unit or None

    def _source(self) -> str | None:
        return _about(self.indicator.value).source or None

    def _render_static_layer(self) -> np.ndarray:
        """The region labels alone, on a transparent background (RGBA floats)."""
        self.figure.set_dpi(self.dpi)
        others = [a for a in (*self.ax.get_children(), *self.figure.get_children())
                  if a not in self._static_texts and a is not self.ax and a.get_visible()]
        for artist in others:
            artist.set_visible(False)
        alpha = self.figure.patch.get_alpha()
        self.figure.patch.set_alpha(0.0)
        try:
            self.canvas.draw()
            layer = np.asarray(self.canvas.buffer_rgba(), dtype=np.float32) / 255.0
        finally:
            for artist in others:
                artist.set_visible(True)
            self.figure.patch.set_alpha(alpha)
        return layer

    def _png(self) -> bytes:
        # one Agg pass without the static texts, their cached layer composited on top,
        # and a fast PNG encoding: this is the whole cost of a picker change
        self.figure.set_dpi(self.dpi)
        for text in self._static_texts:
            text.set_visible(False)
        try:
            self.canvas.draw()
        finally:
            for text in self._static_texts:
                text.set_visible(True)
        frame = np.asarray(self.canvas.buffer_rgba())
        alpha = self._static_layer[..., 3:4]
        rgb = self._static_layer[..., :3] * 255.0 * alpha + frame[..., :3] * (1.0 - alpha)
        picture = PILImage.fromarray(rgb.astype(np.uint8), "RGB")
        buffer = io.BytesIO()
        picture.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def _table_html(self) -> str:
        values = self._values()
        frame = pd.DataFrame({"value": values})
        if pd.api.types.is_numeric_dtype(values):
            frame["rank"] = values.rank(ascending=False, method="min")
            frame = frame.sort_values("value", ascending=False, na_position="last")
            frame["value"] = frame["value"].map(lambda v: "no data" if pd.isna(v) else f"{v:,.3g}")
            frame["rank"] = frame["rank"].map(lambda r: "" if pd.isna(r) else f"{int(r)}")
        else:
            frame["value"] = frame["value"].fillna("no data")
        rows = "".join(f"<tr><td>{rid}</td>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
                       for rid, row in zip(frame.index, frame.itertuples(index=False)))
        head = "".join(f"<th>{c}</th>" for c in ["region", *frame.columns])
        return (f"<table style='font-size:11px'><thead><tr>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table>")

    def _note_html(self) -> str:
        note = _about(self.indicator.value).note
        return f"<i>{note}</i>" if note else ""

    # -- callbacks ----------------------------------------------------------------------------
    def _on_indicator(self, change) -> None:
        code = change["new"]
        self._busy = True  # several pickers change; redraw once at the end
        try:
            years = available_years(self.panel, code)
            keep_year = self.year.value if self.year.value in years else years[-1]
            self.year.options = years
            self.year.value = keep_year
            schemes = _schemes_for(code)
            keep = self.scheme.value if self.scheme.value in schemes else _about(code).scheme
            self.scheme.options = [(_SCHEME_LABELS[s], s) for s in schemes]
            self.scheme.value = keep
        finally:
            self._busy = False
        self.note.value = self._note_html()
        self.redraw()

    def _on_change(self, change) -> None:
        if not self._busy:
            self.redraw()

    def redraw(self) -> None:
        """Recolour the map for the current pickers and refresh the picture and the table."""
        values = self._values()
        if set(values.index) != set(getattr(self.ax, "_itclusters_ids", values.index)):
            # another region layout (e.g. 17 units from 2018): draw that map once, then recolour
            self.ax.clear()
            choropleth(values, ax=self.ax, scheme=self.scheme.value, units=self._unit())
            self._credit = next(t for t in self.ax.texts if t.get_gid() == "credit")
            self._static_texts = [t for t in self.ax.texts if t is not self._credit]
            self._static_layer = self._render_static_layer()
        recolour(self.ax, values, scheme=self.scheme.value,
                 title=_title(self.indicator.value, self.year.value), units=self._unit())
        self._credit.set_text(credit_line(self._source(), self.ax._itclusters_boundaries))
        self.image.value = self._png()
        self.table.value = self._table_html()

    # -- static fallback ----------------------------------------------------------------------
    def static_figure(self) -> Figure:
        """Small multiples of the current indicator over all its years (shared classes)."""
        return static_explorer(self.panel, self.indicator.value, self.scheme.value)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        # exports without widget state (papermill -> HTML) show this picture instead
        figure = self.static_figure()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80, metadata={"Software": None})
        plt.close(figure)
        import base64

        data["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        return bundle


def static_explorer(panel: pd.DataFrame, indicator: str = "index", scheme: str | None = None):
    """The explorer's static form: one map per available year, one set of classes."""
    info = _about(indicator)
    years = available_years(panel, indicator)
    return small_multiples(panel[indicator], years, scheme=scheme or info.scheme, title=info.label,
                           units=info.unit or None, source=info.source or None,
                           ncols=min(len(years), 4))


def explorer(panel: pd.DataFrame | None = None, *, year: int | None = None,
             indicator: str = "index", scheme: str | None = None,
             interactive: bool | None = None):
    """Explore any indicator on the map of the 16 regions.

    Parameters
    ----------
    panel : DataFrame, optional
        Indicators indexed by ``(region_id, year)``; default :func:`~itclusters.catalogue.indicator_panel`.
    year, indicator, scheme
        The pickers' starting values.
    interactive : bool, optional
        ``None`` decides by :func:`has_live_frontend`.

    Returns
    -------
    Explorer or matplotlib Figure
        The widget in a kernel; a static small-multiples figure elsewhere.
    """
    panel = indicator_panel() if panel is None else panel
    live = has_live_frontend() if interactive is None else interactive
    if live:
        return Explorer(panel, year=year, indicator=indicator, scheme=scheme)
    if indicator not in panel.columns:
        raise ValueError(f"unknown indicator {indicator!r}; available: {', '.join(panel.columns)}")
    return static_explorer(panel, indicator, scheme)
