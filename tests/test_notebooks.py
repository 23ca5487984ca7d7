"""Every notebook: clean in git, one self-documenting parameters cell, runs top to bottom."""
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))  # the parameterised ones
NAMES = [p.stem for p in NOTEBOOKS]


def test_there_are_notebooks():
    assert {"01_innovation_index", "02_it_specialisation", "03_cluster_candidates",
            "04_explorer", "05_article_audit"} <= set(NAMES)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_committed_with_outputs_cleared(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell has outputs"
            assert cell.execution_count is None, f"{path.name}: execution count not cleared"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_one_inspectable_parameters_cell_then_validation(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters'"
    parameters = pm.inspect_notebook(str(path))
    assert parameters, f"{path.name}: no parameters found"
    for name, info in parameters.items():
        assert info["inferred_type_name"] not in ("None", ""), f"{name}: no type hint"
        assert info["help"], f"{name}: no help comment"
    validation = nb.cells[tagged[0] + 1].source
    assert "check_" in validation, f"{path.name}: the cell after the parameters must validate them"


def _execute(path, tmp_path, **parameters):
    out = tmp_path / f"{path.stem}.ipynb"
    pm.execute_notebook(str(path), str(out), parameters=parameters, kernel_name="python3",
                        progress_bar=False, cwd=str(path.parent))
    return nbformat.read(out, as_version=4)


def _outputs(nb, kind):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type == kind]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_runs_top_to_bottom_without_warnings(path, tmp_path):
    nb = _execute(path, tmp_path)
    assert not _outputs(nb, "error")
    stderr = "".join(o.text for o in _outputs(nb, "stream") if o.name == "stderr")
    assert "Warning" not in stderr, stderr
    pictures = [o for o in _outputs(nb, "display_data") if "image/png" in o.data]
    assert pictures or path.stem == "05_article_audit" or "image/png" in str(nb), \
        f"{path.name} draws nothing"


def test_candidates_of_2016_are_the_articles_from_the_data(tmp_path):
    path = ROOT / "notebooks" / "03_cluster_candidates.ipynb"
    nb = _execute(path, tmp_path, year=2016)
    # findings are Markdown computed in the notebook, not printed lines
    text = "".join(o.data.get("text/markdown", "") for o in _outputs(nb, "display_data"))
    assert "Candidates in 2016: Almaty city, Astana." in text
    assert "the same regions as found here" in text


def test_a_bad_parameter_stops_with_a_clear_message(tmp_path):
    path = ROOT / "notebooks" / "01_innovation_index.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as err:
        _execute(path, tmp_path, year=2013)
    assert err.value.ename == "ParameterError"
    assert err.value.evalue == "year 2013 has no innovation index; available: 2010, 2016"


def test_papermill_command_line_as_a_user_types_it(tmp_path):
    papermill = Path(sys.executable).parent / "papermill"
    out = tmp_path / "out.ipynb"
    done = subprocess.run([str(papermill), "notebooks/01_innovation_index.ipynb", str(out),
                           "-p", "year", "2010", "--no-progress-bar"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "year = 2010" in injected[0].source
