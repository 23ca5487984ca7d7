"""What a reader sees in the notebooks' figures: text large enough, labels that do not collide.

Each notebook (and each seminar notebook) is run with two cells added: the first records every
figure pyplot makes, the last measures them: every drawn text must be at least
``MIN_TEXT_PT`` points once the figure is shown a notebook column wide, and the region labels
of a chart or map (texts with a ``label:`` gid) must not overlap one another.
"""
import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [p for p in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
             if p.stem != "04_explorer"]  # the explorer's picture is tested in the browser
SEMINAR = sorted((ROOT / "notebooks" / "seminar").glob("*.ipynb"))
# quicker runs of the slow notebooks: the figures are the same kind at any number of draws
FAST = {"07_robustness": {"draws": 200}, "08_growth_poles": {"permutations": 99}}

RECORD = """
import matplotlib.pyplot as _plt
_itc_figures = []
_itc_make = _plt.figure
def _itc_figure(*args, **kwargs):
    fig = _itc_make(*args, **kwargs)
    _itc_figures.append(fig)
    return fig
_plt.figure = _itc_figure
"""

MEASURE = """
import itertools as _it, json as _json
from matplotlib.backends.backend_agg import FigureCanvasAgg as _Agg
from itclusters.presentation import small_text as _small_text
_itc_report = []
for _n, _fig in enumerate(_itc_figures):
    if not hasattr(_fig.canvas, "get_renderer"):  # shown and closed: draw it again, off screen
        _Agg(_fig)
    _small = _small_text(_fig)
    _renderer = _fig.canvas.get_renderer()
    _overlaps = []
    for _ax in _fig.axes:
        _boxes = [(t.get_text(), t.get_window_extent(_renderer)) for t in _ax.texts
                  if (t.get_gid() or "").startswith("label:") and t.get_visible()]
        _overlaps += [(a, b) for (a, ba), (b, bb) in _it.combinations(_boxes, 2)
                      if ba.overlaps(bb)]
    _itc_report.append({"figure": _n, "title": _fig.axes[0].get_title(loc="left") if _fig.axes else "",
                        "width": float(_fig.get_size_inches()[0]), "small": _small,
                        "overlaps": _overlaps})
print("ITC-FIGURES " + _json.dumps(_itc_report))
"""


def _measure(path, tmp_path, parameters=None):
    nb = nbformat.read(path, as_version=4)
    first = nbformat.v4.new_code_cell(RECORD)
    last = nbformat.v4.new_code_cell(MEASURE)
    first.id, last.id = "itc-record", "itc-measure"
    nb.cells = [first, *nb.cells, last]
    source = tmp_path / f"in_{path.name}"
    nbformat.write(nb, source)
    out = tmp_path / path.name
    pm.execute_notebook(str(source), str(out), parameters=parameters or {},
                        kernel_name="python3", progress_bar=False, cwd=str(path.parent))
    done = nbformat.read(out, as_version=4)
    text = "".join(o.text for o in done.cells[-1].outputs if o.output_type == "stream")
    return json.loads(text.split("ITC-FIGURES ", 1)[1])


@pytest.mark.parametrize("path", NOTEBOOKS + SEMINAR, ids=lambda p: p.stem)
def test_notebook_figures_are_readable(path, tmp_path):
    report = _measure(path, tmp_path, FAST.get(path.stem))
    assert report, f"{path.name} draws no figure"
    small = [(r["title"], r["small"]) for r in report if r["small"]]
    assert small == [], f"{path.name}: text below 9 pt at display size: {small}"
    overlaps = [(r["title"], r["overlaps"]) for r in report if r["overlaps"]]
    assert overlaps == [], f"{path.name}: labels overlap: {overlaps}"
