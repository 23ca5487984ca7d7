"""The explorer's map as two pictures (itclusters.mapimage): palette PNGs and the layers."""
from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from itclusters.mapimage import HATCH_LEVELS, LayeredMap, indexed_png_bytes  # noqa: E402
from itclusters.widgets import Explorer  # noqa: E402


@st.composite
def palette_pictures(draw):
    colours = draw(st.integers(1, 256))
    palette = draw(hnp.arrays(np.uint8, (colours, 4)))
    shape = draw(st.tuples(st.integers(1, 12), st.integers(1, 12)))
    indices = draw(hnp.arrays(np.uint8, shape, elements=st.integers(0, colours - 1)))
    return indices, palette


@given(palette_pictures())
def test_palette_png_decodes_to_the_colours_it_was_given(picture):
    indices, palette = picture
    decoded = np.asarray(Image.open(io.BytesIO(indexed_png_bytes(indices, palette)))
                         .convert("RGBA"))
    assert (decoded == palette[indices]).all()


@pytest.mark.parametrize("indices, palette, message", [
    (np.zeros((2, 2), np.int64), np.zeros((1, 4), np.uint8), "uint8"),
    (np.zeros((2, 2, 1), np.uint8), np.zeros((1, 4), np.uint8), "(height, width)"),
    (np.zeros((2, 2), np.uint8), np.zeros((257, 4), np.uint8), "1 to 256"),
    (np.zeros((2, 2), np.uint8), np.zeros((2, 3), np.uint8), "RGBA"),
    (np.full((2, 2), 3, np.uint8), np.zeros((2, 4), np.uint8), "index 3 outside"),
])
def test_palette_png_refuses_what_it_cannot_encode(indices, palette, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        indexed_png_bytes(indices, palette)


@pytest.fixture
def explorer_map():
    widget = Explorer(indicator="it_production", year=2013)  # regions without data
    yield widget
    plt.close("all")


def test_every_region_is_one_shape_and_each_city_marker_its_own(explorer_map):
    layers = explorer_map._layers
    shapes = set(np.unique(layers._shape_ids).tolist())
    regions, markers = len(layers._hatches), len(layers._markers)
    ids = explorer_map.ax._itclusters_ids
    cities = [ids.index(rid) + 1 for rid in ("astana", "almaty_city")]
    assert markers == 2  # Astana and Almaty city, drawn as markers over their small polygons
    # 0: outside the country; every region shows, the cities as their markers
    assert shapes == {0, *range(1, regions + markers + 1)} - set(cities)


def _region_pixels(layers, number):
    """Pixels of region ``number`` on the map, and those of them under its hatch lines."""
    pixels, starts, _, _ = layers._hatch
    inside = layers._shape_ids == number
    hatching = np.zeros(inside.size, bool)
    hatching[pixels[starts[number]:starts[number + 1]]] = True
    return inside, hatching.reshape(inside.shape) & inside


def test_fills_take_each_regions_colour_and_hatching_only_where_data_are_missing(explorer_map):
    layers = explorer_map._layers
    indices, palette = layers.fill()
    colours = palette[indices]
    faces = np.round(layers._regions.get_facecolor() * 255).astype(np.uint8)
    hatched = {number for number, h in enumerate(layers._hatches, start=1) if h.get_visible()}
    assert hatched, "2013 has regions without IT output"
    for number in range(1, len(layers._hatches) + 1):
        inside, hatching = _region_pixels(layers, number)
        plain = inside & ~hatching
        # every pixel of a region not under a hatch line has the region's colour
        assert (colours[plain] == faces[number - 1]).all()
        if number in hatched:
            assert hatching.any() and not (colours[hatching] == faces[number - 1]).all()
    # a palette entry for the background and each shape, then a run of blends of face and
    # hatch line for each hatched shape (markers: their own hatching too)
    shapes = 1 + len(layers._hatches) + len(layers._markers)
    runs = len(hatched) + sum(m.get_hatch() is not None for m in layers._markers)
    assert len(palette) == shapes + runs * (HATCH_LEVELS - 1) <= 256


def _decoded(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def _idat(png: bytes) -> bytes:
    """The image data chunk of a PNG (one IDAT, as the suite writes them)."""
    chunks, at = {}, 8
    while at < len(png):
        length = int.from_bytes(png[at:at + 4], "big")
        chunks[png[at + 4:at + 8]] = png[at + 8:at + 8 + length]
        at += 12 + length
    return chunks[b"IDAT"]


def test_the_fill_png_is_the_fill_layer_with_the_same_hatching_compressed_once(explorer_map):
    layers = explorer_map._layers
    first = layers.fill_png()
    indices, palette = layers.fill()
    assert (_decoded(first) == palette[indices]).all()
    # other colours, the same regions without data: a new palette before the same image data
    explorer_map.scheme.value = "equal_interval"
    second = layers.fill_png()
    indices, palette = layers.fill()
    assert (_decoded(second) == palette[indices]).all()
    assert second != first and _idat(second) == _idat(first)
    # other regions without data: other image data
    explorer_map.year.value = 2016
    third = layers.fill_png()
    indices, palette = layers.fill()
    assert (_decoded(third) == palette[indices]).all() and _idat(third) != _idat(first)


def test_more_hatched_shapes_than_runs_of_a_palette_share_their_entries(explorer_map):
    # every shape hatched: 19 shapes and 18 runs of 15 blends would need 289 entries
    layers = explorer_map._layers
    faces = np.round(layers._regions.get_facecolor() * 255).astype(np.uint8)
    for hatch in layers._hatches:
        hatch.set_visible(True)
    for marker in layers._markers:
        marker.set_hatch(layers._markers[0].get_hatch() or "//")
    indices, palette = layers.fill()
    assert len(palette) <= 256
    assert (_decoded(layers.fill_png()) == palette[indices]).all()
    colours = palette[indices]
    for number in range(1, len(layers._hatches) + 1):
        inside, hatching = _region_pixels(layers, number)
        if not inside.any():  # a city's polygon, under its marker
            continue
        assert hatching.any()
        assert (colours[inside & ~hatching] == faces[number - 1]).all()
        assert not (colours[hatching] == faces[number - 1]).all()


def test_a_layered_map_needs_a_map_drawn_by_choropleth():
    figure, ax = plt.subplots()
    with pytest.raises(ValueError, match="no map drawn by itclusters.choropleth"):
        LayeredMap(ax, figure.canvas, [])
    plt.close(figure)
