from pathlib import Path

import nbformat
import pytest

from itclusters.reports import GridError, Run, load_grid, main, summary_table

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def _grid(tmp_path, text):
    path = tmp_path / "grid.yaml"
    path.write_text(text)
    return path


def test_grid_expands_lists_into_their_product(tmp_path):
    path = _grid(tmp_path, """
runs:
  - notebook: 03_cluster_candidates
    parameters: {year: [2010, 2016], specialisation: [ksi, it_share]}
  - notebook: 05_article_audit
""")
    runs = load_grid(path, NOTEBOOKS)
    assert len(runs) == 5
    assert runs[0] == Run("03_cluster_candidates", (("specialisation", "ksi"), ("year", 2010)))
    assert runs[0].slug == "specialisation=ksi_year=2010"
    assert runs[-1].slug == "default"


def test_the_projects_grid_is_valid():
    runs = load_grid(NOTEBOOKS / "reports.yaml")
    assert {r.notebook for r in runs} == {p.stem for p in NOTEBOOKS.glob("[0-9]*.ipynb")}


@pytest.mark.parametrize("text, message", [
    ("runs:\n  - notebook: 99_nothing\n", "no notebook 99_nothing.ipynb"),
    ("runs:\n  - parameters: {year: 2010}\n", "run 1 needs a 'notebook' key"),
    ("jobs: []\n", "expected a mapping with a 'runs' list"),
    ("runs: [\n", "not valid YAML"),
])
def test_bad_grids_are_named(tmp_path, text, message):
    with pytest.raises(GridError, match=message):
        load_grid(_grid(tmp_path, text), NOTEBOOKS)


def test_batch_with_one_bad_run(tmp_path, capsys):
    grid = _grid(tmp_path, """
runs:
  - notebook: 01_innovation_index
    parameters:
      year: [2010, 2013]
""")
    out = tmp_path / "reports"
    code = main(["--grid", str(grid), "--notebooks", str(NOTEBOOKS), "--out", str(out),
                 "--jobs", "2", "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    folder = out / "01_innovation_index"
    assert sorted(p.name for p in folder.iterdir()) == [
        "year=2010.html", "year=2010.ipynb", "year=2013.failed.ipynb"]
    good = nbformat.read(folder / "year=2010.ipynb", as_version=4)
    assert any("year = 2010" in c.source for c in good.cells)
    html = (folder / "year=2010.html").read_text()
    assert "The index of innovative development" in html and "check_choice(" not in html  # inputs hidden
    assert "1 of 2 runs succeeded; 1 failed" in captured.out
    assert "FAILED" in captured.out and "year=2013" in captured.out
    assert ("01_innovation_index (year=2013): ParameterError: year 2013 has no innovation index; "
            "available: 2010, 2016") in captured.err

    # a rerun replaces the reports cleanly and keeps the good one when a run fails again
    before = (folder / "year=2010.ipynb").stat().st_mtime_ns
    assert main(["--grid", str(grid), "--notebooks", str(NOTEBOOKS), "--out", str(out),
                 "--no-progress", "--jobs", "1"]) == 1
    assert (folder / "year=2010.ipynb").stat().st_mtime_ns > before
    assert sorted(p.name for p in folder.iterdir()) == [
        "year=2010.html", "year=2010.ipynb", "year=2013.failed.ipynb"]


def test_all_good_batch_exits_zero(tmp_path, capsys):
    grid = _grid(tmp_path, "runs:\n  - notebook: 05_article_audit\n")
    out = tmp_path / "reports"
    assert main(["--grid", str(grid), "--notebooks", str(NOTEBOOKS), "--out", str(out),
                 "--no-progress"]) == 0
    assert (out / "05_article_audit" / "default.html").exists()
    assert "1 of 1 runs succeeded" in capsys.readouterr().out


def test_summary_table_lists_every_run():
    from itclusters.reports import RunResult

    text = summary_table([RunResult(Run("a", (("year", 2010),)), True, 1.0),
                          RunResult(Run("b"), False, 2.0, [], "ValueError: boom")])
    assert "a  " in text and "year=2010" in text and "ValueError: boom" in text
    assert text.endswith("1 of 2 runs succeeded; 1 failed")
