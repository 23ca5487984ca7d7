"""A choropleth as two pictures: the fills a picker changes, and the lines and labels it never does.

The explorer (:mod:`itclusters.widgets`) shows a map drawn by :func:`~itclusters.maps.choropleth`
and recoloured by :func:`~itclusters.maps.recolour` at every picker change.  Drawing the whole
map with Agg and sending it as an RGBA PNG would cost most of that change; here the map is split
once, when it is drawn, into

- a **fill layer**: which shape (region, or city marker) is on top at each device pixel, and
  where the "no data" hatching of each shape falls, with its anti-aliased coverage;
- an **overlay**: region borders and city markers' rims, anti-aliased, on a transparent
  background;
- **labels**: region names and leader lines, anti-aliased, on a transparent background (a page
  may hide them where the map is shown too small to read them).

A change then only looks up each shape's new colour: the fill layer is a palette image (one byte
a pixel, a few dozen colours, compressed in a millisecond or two) and the overlay and labels are
sent once per region layout.  The browser stacks the pictures; :meth:`LayeredMap.composite` gives
the same stacking in numpy, to save or to compare with a plain matplotlib drawing.

Both layers are read off the map's own artists (face colours, hatch visibility), so the pictures
show what :func:`~itclusters.maps.recolour` set, whatever the classification.
"""
from __future__ import annotations

import struct
import zlib
from contextlib import contextmanager

import numpy as np
from matplotlib.colors import to_rgba

from .maps import _HATCH

__all__ = ["LayeredMap", "png_bytes", "indexed_png_bytes"]

#: A face that fills nothing: unlike "none", it leaves Agg placing a marker as it does with a
#: face (with "none" a marker's rim lands up to a pixel away from where the map draws it).
_CLEAR = (0.0, 0.0, 0.0, 0.0)
#: Coverage levels kept for the anti-aliased hatch lines of the fill layer (16: no visible step).
HATCH_LEVELS = 16
#: Fill pictures kept, compressed, for as many sets of hatched ("no data") shapes.
_CACHED_HATCHINGS = 8


# -- PNG encoding ----------------------------------------------------------------------------

def png_bytes(pixels: np.ndarray) -> bytes:
    """An 8-bit RGB or RGBA array as PNG bytes: no row filters, zlib level 1.

    Pillow's encoder tries the PNG row filters on every row, which triples the cost for a
    map's flat colours and gives a larger file; this is the whole PNG format for that case.

    >>> import io
    >>> from PIL import Image
    >>> pixels = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    >>> bool((np.asarray(Image.open(io.BytesIO(png_bytes(pixels)))) == pixels).all())
    True
    """
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError("expected a (height, width, 3 or 4) uint8 array, got "
                         f"{pixels.dtype} {pixels.shape}")
    height, width, channels = pixels.shape
    rows = _rows(height, width * channels)
    rows[:, 1:] = pixels.reshape(height, -1)
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if channels == 4 else 2, 0, 0, 0)
    return _png(header, rows)


def indexed_png_bytes(indices: np.ndarray, palette: np.ndarray) -> bytes:
    """A palette PNG: ``indices`` (height, width) uint8 into ``palette`` (n <= 256, RGBA uint8).

    >>> import io
    >>> from PIL import Image
    >>> palette = np.array([[255, 255, 255, 0], [10, 20, 30, 255]], dtype=np.uint8)
    >>> image = Image.open(io.BytesIO(indexed_png_bytes(np.array([[0, 1]], np.uint8), palette)))
    >>> np.asarray(image.convert("RGBA")).tolist()
    [[[255, 255, 255, 0], [10, 20, 30, 255]]]
    """
    if indices.dtype != np.uint8 or indices.ndim != 2:
        raise ValueError(f"expected a (height, width) uint8 array, got {indices.dtype} "
                         f"{indices.shape}")
    palette = np.asarray(palette, dtype=np.uint8)
    if palette.ndim != 2 or palette.shape[1] != 4 or not 1 <= len(palette) <= 256:
        raise ValueError(f"expected a palette of 1 to 256 RGBA colours, got shape {palette.shape}")
    if int(indices.max(initial=0)) >= len(palette):
        raise ValueError(f"index {int(indices.max())} outside a palette of {len(palette)} colours")
    return _indexed_png(indices.shape, palette, _idat(indices))


def _idat(indices: np.ndarray) -> bytes:
    """The compressed image data of a (height, width) uint8 palette picture."""
    height, width = indices.shape
    rows = _rows(height, width)
    rows[:, 1:] = indices
    return zlib.compress(rows, 1)


def _indexed_png(shape: tuple[int, int], palette: np.ndarray, idat: bytes) -> bytes:
    height, width = shape
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    chunks = [(b"PLTE", palette[:, :3].tobytes())]
    alpha = palette[:, 3]
    if (alpha < 255).any():  # tRNS: alpha of the entries up to the last non-opaque one
        chunks.append((b"tRNS", alpha[:int(np.nonzero(alpha < 255)[0][-1]) + 1].tobytes()))
    return _png_file(header, chunks, idat)


def _rows(height: int, row_bytes: int) -> np.ndarray:
    """PNG scanlines: each a filter byte (0: none), then the row's bytes."""
    rows = np.empty((height, row_bytes + 1), dtype=np.uint8)
    rows[:, 0] = 0
    return rows


def _png(header: bytes, rows: np.ndarray) -> bytes:
    return _png_file(header, (), zlib.compress(rows, 1))


def _png_file(header: bytes, chunks, idat: bytes) -> bytes:
    def chunk(tag: bytes, data) -> bytes:
        data = bytes(data)
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + b"".join(chunk(tag, data) for tag, data in chunks)
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


# -- the two layers --------------------------------------------------------------------------

def _rgba8(colour) -> np.ndarray:
    return np.round(np.asarray(to_rgba(colour)) * 255).astype(np.uint8)


def _over(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Straight-alpha RGBA ``top`` over ``bottom`` (float arrays in 0..1)."""
    a_top, a_bottom = top[..., 3:4], bottom[..., 3:4]
    alpha = a_top + a_bottom * (1.0 - a_top)
    rgb = top[..., :3] * a_top + bottom[..., :3] * a_bottom * (1.0 - a_top)
    with np.errstate(invalid="ignore", divide="ignore"):
        rgb = np.where(alpha > 0, rgb / np.where(alpha > 0, alpha, 1.0), 0.0)
    return np.concatenate([rgb, alpha], axis=-1)


class LayeredMap:
    """The fill layer and overlay of a map drawn by :func:`~itclusters.maps.choropleth` on ``ax``.

    ``labels`` are the texts drawn on the map (region names, with their leader lines); every
    other text of the axes or figure (title, legend, source line) is left out of both pictures.
    Build a new one when the map is drawn anew (another region layout, another size).
    """

    def __init__(self, ax, canvas, labels):
        state = getattr(ax, "_itclusters_map", None)
        if state is None:
            raise ValueError("this Axes has no map drawn by itclusters.choropleth")
        self.ax, self.canvas, self.figure = ax, canvas, ax.figure
        self._regions = state.regions
        self._hatches = [state.hatches[rid] for rid in ax._itclusters_ids]
        self._markers = list(state.cities.values())
        #: the region of each shape number of the fill layer (0: none, the background)
        self.shape_regions: list[str | None] = [None, *ax._itclusters_ids, *state.cities]
        self._labels = list(labels)
        if len(self._hatches) + len(self._markers) >= 255:
            raise ValueError("a map of more than 254 shapes does not fit one byte a pixel")
        self.background = _rgba8(self.figure.get_facecolor())
        self._shape_ids = self._draw_shape_ids()
        self._hatch = self._draw_hatching()
        self._per_shape_cache: dict[bytes, tuple[np.ndarray, bytes]] = {}
        self.overlay, self.labels = self._draw_overlay()
        self.overlay_png = png_bytes(self.overlay)
        self.labels_png = png_bytes(self.labels)

    # -- drawn once -------------------------------------------------------------------------
    @contextmanager
    def _alone(self, *artists):
        """Draw only ``artists`` (shown even if hidden), on a transparent background."""
        keep = set(map(id, artists))
        children = [a for a in (*self.ax.get_children(), *self.figure.get_children())
                    if a is not self.ax]
        shown = {id(a): a.get_visible() for a in children}
        shown.update({id(a): a.get_visible() for a in artists})
        try:
            for artist in children:
                artist.set_visible(id(artist) in keep)
            for artist in artists:
                artist.set_visible(True)
            yield
        finally:
            for artist in (*children, *artists):
                artist.set_visible(shown[id(artist)])

    def _render(self, *artists) -> np.ndarray:
        with self._alone(*artists):
            self.canvas.draw()
            return np.array(self.canvas.buffer_rgba())

    @contextmanager
    def _restyled(self):
        """Restore every style the drawings below change on the regions and markers."""
        regions = self._regions
        saved = (regions.get_facecolor().copy(), regions.get_edgecolor().copy(),
                 regions.get_linewidth(), regions.get_antialiased())
        markers = [(m.get_facecolor().copy(), m.get_edgecolor().copy(), m.get_linewidth(),
                    m.get_hatch(), m.get_antialiased()) for m in self._markers]
        try:
            yield
        finally:
            face, edge, width, antialiased = saved
            regions.set_facecolor(face)
            regions.set_edgecolor(edge)
            regions.set_linewidth(width)
            regions.set_antialiased(antialiased)
            for marker, (face, edge, width, hatch, antialiased) in zip(self._markers, markers):
                marker.set_facecolor(face)
                marker.set_edgecolor(edge)
                marker.set_linewidth(width)
                marker.set_hatch(hatch)
                marker.set_antialiased(antialiased)

    def _draw_shape_ids(self) -> np.ndarray:
        """Which shape is on top at each pixel: 0 none, 1.. the regions, then the markers."""
        count = len(self._hatches)
        with self._restyled():
            # regions without anti-aliasing, each in a colour that is its number: the borders
            # drawn over them (the overlay) cover the steps this leaves along their edges
            self._regions.set_facecolor([((i + 1) / 255, 0.0, 0.0, 1.0) for i in range(count)])
            self._regions.set_linewidth(0)
            self._regions.set_antialiased(False)
            pixels = self._render(self._regions)
            solid = pixels[..., 3] == 255
            if not ((pixels[..., 3] == 0) | solid).all():  # pragma: no cover - Agg without AA
                raise RuntimeError("regions drawn without anti-aliasing left partial pixels")
            shape_ids = np.where(solid, pixels[..., 0], 0).astype(np.uint8)
            # markers: Agg anti-aliases them whatever the setting; the pixels more than half
            # covered are the marker's (its rim, in the overlay, covers the rest)
            for number, marker in enumerate(self._markers, start=count + 1):
                marker.set_facecolor("black")
                marker.set_linewidth(0)
                marker.set_hatch(None)
                shape_ids[self._render(marker)[..., 3] >= 128] = number
        return shape_ids

    def _draw_hatching(self):
        """Where each shape's "no data" hatching falls: its pixels and their coverage, the
        pixels of shape ``s`` at ``starts[s]:starts[s + 1]``; and the hatch colours."""
        first_marker = len(self._hatches) + 1
        layers = [(self._render(*self._hatches), lambda s: (s > 0) & (s < first_marker))]
        if self._markers:
            with self._restyled():
                for marker in self._markers:
                    marker.set_facecolor(_CLEAR)
                    marker.set_linewidth(0)
                    marker.set_hatch(_HATCH)
                layers.append((self._render(*self._markers), lambda s: s >= first_marker))
        flat_ids = self._shape_ids.ravel()
        pixels, levels, palette = [], [], []
        for layer, ours in layers:
            alpha = layer[..., 3].ravel()
            level = np.round(alpha.astype(np.float32) * ((HATCH_LEVELS - 1) / 255)).astype(np.intp)
            where = np.nonzero((level > 0) & ours(flat_ids))[0]
            pixels.append(where)
            levels.append(level[where])
            solid = layer.reshape(-1, 4)[alpha == alpha.max()]
            palette.append(np.median(solid[:, :3], axis=0) if len(solid) else np.zeros(3))
        where, levels = np.concatenate(pixels), np.concatenate(levels)
        # grouped by shape: a change then touches only the hatching of the shapes without data
        order = np.argsort(flat_ids[where], kind="stable")
        where, levels = where[order], levels[order]
        starts = np.searchsorted(flat_ids[where], np.arange(flat_ids.max() + 2))
        return where, starts, levels, np.array(palette, dtype=np.float64)

    def _draw_overlay(self) -> tuple[np.ndarray, np.ndarray]:
        """Region borders (not under the city markers) and markers' rims; labels (RGBA)."""
        edges = np.unique(np.round(self._regions.get_edgecolor() * 255), axis=0)
        if len(edges) != 1:  # pragma: no cover - choropleth draws every border alike
            raise ValueError("the regions' borders are not all of one colour")
        with self._restyled():
            # each region's face hides part of the borders drawn before it: drawn as on the
            # map, in black under white borders, what stays white is the borders one sees
            self._regions.set_facecolor("black")
            self._regions.set_edgecolor("white")
            seen = self._render(self._regions)
            for marker in self._markers:
                marker.set_facecolor(_CLEAR)
                marker.set_hatch(None)
            rims = self._render(*self._markers)
            labels = self._render(*self._labels)
        # the borders: one colour, the coverage that stayed white; a marker's face hides the
        # borders under it on the map, so it does here
        alpha = (seen[..., 0].astype(np.float64) / 255 * (seen[..., 3].astype(np.float64) / 255)
                 * edges[0, 3] / 255)
        alpha[self._shape_ids > len(self._hatches)] = 0.0
        colour = edges[0, :3] / 255
        overlay = np.zeros(seen.shape, dtype=np.uint8)
        overlay[..., 3] = np.round(alpha * 255)
        overlay[alpha > 0, :3] = np.round(colour * 255)
        # the rims over the borders: a few hundred pixels, composed there only (elsewhere the
        # borders are the overlay, as :func:`_over` makes them under a clear pixel)
        rim = rims[..., 3] > 0
        under = np.empty((int(rim.sum()), 4))
        under[:, :3] = colour
        under[:, 3] = alpha[rim]
        overlay[rim] = np.round(_over(rims[rim].astype(np.float64) / 255, under) * 255)
        return overlay, labels

    def region_at(self, x: float, y: float) -> str | None:
        """The region drawn on top at device pixel ``(x, y)`` of the pictures (a city's marker
        over the region around it), ``None`` off the map or outside the picture."""
        height, width = self._shape_ids.shape
        column, row = int(x), int(y)
        if not (0 <= column < width and 0 <= row < height):
            return None
        return self.shape_regions[int(self._shape_ids[row, column])]

    def region_pixel(self, region_id: str) -> tuple[int, int]:
        """A device pixel ``(x, y)`` of the region's own fill, as near its middle as the
        shape allows (the point of its shape furthest from its edge would cost more)."""
        if region_id not in self.shape_regions[1:]:
            raise KeyError(f"{region_id!r} is not on this map; it shows "
                           f"{', '.join(r for r in self.shape_regions[1:])}")
        number = len(self.shape_regions) - 1 - self.shape_regions[::-1].index(region_id)
        rows, columns = np.nonzero(self._shape_ids == number)
        middle = np.array([np.median(columns), np.median(rows)])
        nearest = np.argmin((columns - middle[0]) ** 2 + (rows - middle[1]) ** 2)
        return int(columns[nearest]), int(rows[nearest])

    # -- at every change --------------------------------------------------------------------
    def _shape_colours(self) -> tuple[np.ndarray, np.ndarray]:
        """Each shape's fill as set now (RGBA uint8, 0 the background) and whether it is hatched."""
        regions = np.broadcast_to(self._regions.get_facecolor(), (len(self._hatches), 4))
        faces = np.concatenate([regions] + [m.get_facecolor()[:1] for m in self._markers])
        faces = np.round(np.clip(faces, 0, 1) * 255).astype(np.uint8)
        hatched = np.array([False] + [h.get_visible() for h in self._hatches]
                           + [m.get_hatch() is not None for m in self._markers])
        return np.vstack([self.background, faces]), hatched

    def _blends(self, faces: np.ndarray, hatch_colours: np.ndarray) -> np.ndarray:
        """For each (face, hatch colour) pair, the ``HATCH_LEVELS - 1`` palette entries of its
        hatching, from the faintest coverage to a solid hatch line (RGBA uint8)."""
        coverage = np.arange(1, HATCH_LEVELS)[None, :, None] / (HATCH_LEVELS - 1)
        face = faces.astype(np.float64)[:, None, :]
        rgb = face[..., :3] * (1 - coverage) + hatch_colours[:, None, :] * coverage
        alpha = np.broadcast_to(face[..., 3:], rgb.shape[:2] + (1,))
        return np.round(np.concatenate([rgb, alpha], axis=2)).reshape(-1, 4).astype(np.uint8)

    def _hatch_colours(self, shapes: np.ndarray) -> np.ndarray:
        """The hatch colour of each shape: the regions' own, the markers' own."""
        _, _, _, hatch_rgb = self._hatch
        return hatch_rgb[(shapes > len(self._hatches)).astype(int)]

    def _paint_hatching(self, flat: np.ndarray, shapes, first_entries) -> None:
        """Give each pixel of the hatching of ``shapes`` its coverage's entry of the shape's
        run of palette entries (which starts at ``first_entries``)."""
        pixels, starts, levels, _ = self._hatch
        for shape, first in zip(shapes, first_entries):
            run = slice(starts[shape], starts[shape + 1])
            flat[pixels[run]] = first - 1 + levels[run]

    def _per_shape(self, hatched: np.ndarray):
        """Palette indices when every shape has its own palette entries: the picture depends
        only on which shapes are hatched, so it is made (and compressed) once for each set;
        ``None`` if a palette of 256 entries cannot hold them all."""
        shapes = len(hatched)
        if shapes + int(hatched.sum()) * (HATCH_LEVELS - 1) > 256:
            return None
        key = hatched.tobytes()
        if key not in self._per_shape_cache:
            indices = self._shape_ids.copy()
            hatched_shapes = np.nonzero(hatched)[0]
            firsts = shapes + np.arange(len(hatched_shapes)) * (HATCH_LEVELS - 1)
            self._paint_hatching(indices.reshape(-1), hatched_shapes, firsts)
            indices.setflags(write=False)
            if len(self._per_shape_cache) >= _CACHED_HATCHINGS:
                self._per_shape_cache.pop(next(iter(self._per_shape_cache)))
            self._per_shape_cache[key] = (indices, _idat(indices))
        return self._per_shape_cache[key]

    def _fill(self):
        """Palette indices, palette and (if cached) the compressed image data of the fills."""
        colours, hatched = self._shape_colours()
        per_shape = self._per_shape(hatched)
        shapes = np.nonzero(hatched)[0]
        if per_shape is not None:
            indices, idat = per_shape
            blends = self._blends(colours[shapes], self._hatch_colours(shapes))
            return indices, np.vstack([colours, blends]), idat
        # more hatched shapes than a palette holds with one run each: shapes of one colour
        # share their entries, and so do the hatchings of one (face, hatch colour) pair
        palette, lookup = np.unique(colours, axis=0, return_inverse=True)
        lookup = lookup.ravel().astype(np.uint8)
        indices = lookup[self._shape_ids]
        pairs, pair_of = np.unique(
            np.stack([lookup[shapes], (shapes > len(self._hatches)).astype(int)], axis=1),
            axis=0, return_inverse=True)
        if len(palette) + len(pairs) * (HATCH_LEVELS - 1) > 256:  # pragma: no cover
            raise RuntimeError("too many hatched colours for a palette image")
        _, _, _, hatch_rgb = self._hatch
        blends = self._blends(palette[pairs[:, 0]], hatch_rgb[pairs[:, 1]])
        firsts = len(palette) + pair_of.ravel() * (HATCH_LEVELS - 1)
        self._paint_hatching(indices.reshape(-1), shapes, firsts)
        return indices, np.vstack([palette, blends]), None

    def fill(self) -> tuple[np.ndarray, np.ndarray]:
        """Palette indices (height, width; read-only) and the palette (RGBA) of the fills as
        set now."""
        indices, palette, _ = self._fill()
        return indices, palette

    def fill_png(self) -> bytes:
        """The fill layer as a palette PNG.

        A change of colours with the same shapes hatched as before only writes a new palette
        in front of the image data compressed the first time.
        """
        indices, palette, idat = self._fill()
        if idat is None:
            return indexed_png_bytes(indices, palette)
        return _indexed_png(indices.shape, palette, idat)

    def composite(self) -> np.ndarray:
        """The map as the browser shows it: labels over the overlay over the fill layer
        (RGBA uint8)."""
        indices, palette = self.fill()
        fill = palette[indices].astype(np.float64) / 255
        # each stacking in 8 bits, as the page composes one picture over the next
        lines = np.round(_over(self.overlay.astype(np.float64) / 255, fill) * 255) / 255
        return np.round(_over(self.labels.astype(np.float64) / 255, lines) * 255).astype(np.uint8)
