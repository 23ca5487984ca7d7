"""The seminar pack and the dashboard notebook: clean, runnable, exercises with hidden solutions."""
from pathlib import Path

import nbformat
import papermill as pm
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEMINAR = sorted((ROOT / "notebooks" / "seminar").glob("*.ipynb"))
OTHERS = [ROOT / "notebooks" / "dashboard.ipynb"]


def test_a_session_of_three_or_four_notebooks():
    assert 3 <= len(SEMINAR) <= 4


@pytest.mark.parametrize("path", SEMINAR + OTHERS, ids=lambda p: p.stem)
def test_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", SEMINAR, ids=lambda p: p.stem)
def test_exercises_have_hidden_solutions_and_figures_come_first(path):
    nb = nbformat.read(path, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    exercises = [i for i, t in enumerate(tags) if "exercise" in t]
    solutions = [i for i, t in enumerate(tags) if "solution" in t]
    assert exercises and len(exercises) == len(solutions)
    for i in exercises:
        assert i + 1 in solutions, f"{path.name}: exercise cell {i} has no solution after it"
        assert nb.cells[i + 1].metadata.get("jupyter", {}).get("source_hidden") is True
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "choropleth" in first_code.source or "plot" in first_code.source, \
        f"{path.name}: the first code cell should draw a figure"


@pytest.mark.parametrize("path", SEMINAR + OTHERS, ids=lambda p: p.stem)
def test_runs_top_to_bottom(path, tmp_path):
    out = tmp_path / path.name
    pm.execute_notebook(str(path), str(out), kernel_name="python3", progress_bar=False,
                        cwd=str(path.parent))
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    stderr = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stderr")
    assert "Warning" not in stderr, stderr
