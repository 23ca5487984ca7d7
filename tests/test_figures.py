"""What a reader sees in the notebooks' figures: text large enough, labels that do not collide.

Each notebook (and each seminar notebook) is run once per session by the ``executed`` fixture
of tests/conftest.py, with two cells added: the first records every figure pyplot makes, the last
measures them: every drawn text must be at least
``MIN_TEXT_PT`` points once the figure is shown a notebook column wide, and the region labels
of a chart or map (texts with a ``label:`` gid) must not overlap one another.
"""
from pathlib import Path

import pytest

pytestmark = pytest.mark.notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [p for p in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
             if p.stem != "04_explorer"]  # the explorer's picture is tested in the browser
SEMINAR = sorted((ROOT / "notebooks" / "seminar").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS + SEMINAR, ids=lambda p: p.stem)
def test_notebook_figures_are_readable(path, executed):
    report = executed(path).metadata["itc_figures"]
    assert report, f"{path.name} draws no figure"
    small = [(r["title"], r["small"]) for r in report if r["small"]]
    assert small == [], f"{path.name}: text below 9 pt at display size: {small}"
    overlaps = [(r["title"], r["overlaps"]) for r in report if r["overlaps"]]
    assert overlaps == [], f"{path.name}: labels overlap: {overlaps}"
