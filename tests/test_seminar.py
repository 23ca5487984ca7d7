"""The seminar pack and the dashboard notebook: clean, runnable, exercises with hidden solutions."""
import re
from pathlib import Path

import nbformat
import pytest

from itclusters.handouts import (INSTRUCTIONS, SOLUTION_LABEL, solution_code, student_copy,
                                 teacher_copy)
from itclusters.presentation import display_name
from itclusters.regions import REGION_IDS

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
        cell = nb.cells[i + 1]
        # Markdown is never run; the collapsed block shows its label and no line of code
        assert cell.cell_type == "markdown", f"{path.name}: solution {i + 1} is a code cell"
        shown = cell.source.split("</summary>")[0]
        assert shown == f"<details><summary><b>{SOLUTION_LABEL}</b>", shown
        assert solution_code(cell)  # one fenced block of code inside
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "choropleth" in first_code.source or "plot" in first_code.source, \
        f"{path.name}: the first code cell should draw a figure"


def _texts(cells):
    """Every piece of text a cell's outputs show (printed lines, results, Markdown, HTML)."""
    found = []
    for cell in cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                found.append(out.text)
            for kind in ("text/plain", "text/markdown", "text/html"):
                if kind in out.get("data", {}):
                    found.append(out.data[kind])
    return [t.strip() for t in found if t.strip()]


@pytest.mark.notebook
@pytest.mark.parametrize("path", SEMINAR, ids=lambda p: p.stem)
def test_run_all_shows_no_solution_output(path, executed):
    """Run All (papermill) of the seminar notebook; then the teacher copy, whose solutions
    run: no output of a solution may appear in the Run All notebook."""
    ran = executed(path)
    assert not [c for c in ran.cells if c.cell_type == "code"
                and "solution" in c.metadata.get("tags", [])]
    shown = "\n".join(_texts(ran.cells))
    teacher = executed(teacher_copy(nbformat.read(path, as_version=4), path.name),
                       cwd=path.parent)
    solved = [c for c in teacher.cells if "solution" in c.metadata.get("tags", [])]
    assert solved and all(_texts([c]) for c in solved), "every solution shows an answer"
    raw_ids = [r for r in REGION_IDS if display_name(r) != r]  # ids a reader must not see
    for cell in solved:  # shown as the suite shows numbers: names, not a raw pandas Series
        for text in _texts([cell]):
            assert "dtype:" not in text, f"{path.name}: a solution prints a raw Series: {text}"
            assert not [r for r in raw_ids if re.search(rf"\b{r}\b", text)], text
            # words for readers: no Python values ("True", "None") printed as an answer
            assert not re.search(r"(?<![\w'\"])(True|False|None)\b", text), text
    for text in _texts(solved):
        assert text not in shown, f"{path.name}: solution output shown by Run All: {text[:80]}"


@pytest.mark.notebook
@pytest.mark.parametrize("path", SEMINAR + OTHERS, ids=lambda p: p.stem)
def test_runs_top_to_bottom(path, executed):
    nb = executed(path)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    stderr = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stderr")
    assert "Warning" not in stderr, stderr


#: What the notebook says of itself and no page can do: it is run, its solutions are collapsed.
NOTEBOOK_ONLY = ("Run the cells", "Run All", "click to reveal", "Each is followed by a collapsed")


@pytest.mark.parametrize("path", SEMINAR, ids=lambda p: p.stem)
def test_each_copy_says_how_that_copy_works(path):
    nb = nbformat.read(path, as_version=4)
    told = [c for c in nb.cells if "instructions" in c.metadata.get("tags", [])]
    assert len(told) == 1 and told[0].cell_type == "markdown"
    # the notebook: run the cells, the solutions are collapsed
    assert "Shift+Enter" in told[0].source and SOLUTION_LABEL in told[0].source
    for kind, make in (("student", student_copy), ("teacher", teacher_copy)):
        copy_ = make(nb, path.name)
        said = [c.source for c in copy_.cells if "instructions" in c.metadata.get("tags", [])]
        assert said == [INSTRUCTIONS[kind].format(notebook=path.name)]
        markdown = "\n".join(c.source for c in copy_.cells if c.cell_type == "markdown")
        assert not [s for s in NOTEBOOK_ONLY if s in markdown], (kind, markdown)
    assert "without its answer" in INSTRUCTIONS["student"]
    assert "followed by its **Solution**, run, with its output" in INSTRUCTIONS["teacher"]


def test_a_notebook_without_instructions_is_refused():
    nb = nbformat.read(SEMINAR[0], as_version=4)
    nb.cells = [c for c in nb.cells if "instructions" not in c.metadata.get("tags", [])]
    with pytest.raises(ValueError, match=r"x\.ipynb: .*tagged 'instructions'.*found 0"):
        student_copy(nb, "x.ipynb")


@pytest.mark.notebook
def test_handouts_are_offline_pages_with_and_without_solutions(tmp_path, executed, monkeypatch):
    from itclusters import handouts

    # each copy runs once per session: the teacher copies are those run above
    monkeypatch.setattr(handouts, "_execute", lambda nb, cwd, timeout: executed(nb, cwd=cwd))
    written = handouts.build_handouts(out_dir=tmp_path)
    students = [p for p in written if "student" in p.parts]
    teachers = [p for p in written if "teacher" in p.parts]
    assert len(students) == len(teachers) == len(SEMINAR)
    for page in written:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?://", html), page
        assert "<title>" in html and "<title>Notebook</title>" not in html
        # a page is not run and shows no collapsed block: it says so of itself
        assert not [s for s in NOTEBOOK_ONLY if s in html], page
        kind = "student" if page in students else "teacher"
        assert "How this handout works" in html, page
        assert ("This is the teacher" in html) == (kind == "teacher"), page
        assert ("without its answer" in html) == (kind == "student"), page
