"""Seminar handouts: the student copy (no solutions) and the teacher copy (solutions run).

In the seminar notebooks (``notebooks/seminar/``) one Markdown cell tagged ``instructions`` tells
the reader how the seminar works, and each exercise is followed by a Markdown cell tagged
``solution`` holding the answer's code inside a collapsed ``<details>`` block labelled
:data:`SOLUTION_LABEL`.  Markdown is never executed, so "Run All" cannot print an answer, and
a collapsed block shows no line of it until the reader clicks.  This module builds, for each
seminar notebook, two executed HTML handouts::

    reports/handouts/student/<notebook>.html   solutions left out
    reports/handouts/teacher/<notebook>.html   each solution as a code cell, run, with output

A page cannot be run and shows no collapsed block, so each copy's ``instructions`` cell is
replaced by the text that is true of it (:data:`INSTRUCTIONS`).

Run it with ``make handouts`` (or ``python -m itclusters.handouts``).  Files are written under
a temporary name and renamed, so an interrupted build never leaves half a handout.
"""
from __future__ import annotations

import argparse
import copy
import os
import re
import sys
from pathlib import Path

__all__ = ["SOLUTION_LABEL", "INSTRUCTIONS", "solution_code", "student_copy", "teacher_copy", "build_handouts",
           "main"]

#: The label a reader sees on a hidden solution.
SOLUTION_LABEL = "Solution — click to reveal"

#: How each copy works, in place of the notebook's ``instructions`` cell ("{notebook}" is the
#: seminar notebook's file name).
INSTRUCTIONS = {
    "student": ("*How this handout works.* Cells marked **Exercise** are for you. This page shows "
                "each exercise without its answer; to work on it, open `notebooks/seminar/"
                "{notebook}` in JupyterLab, replace the `...` and run the cell. In the notebook a "
                "collapsed solution follows each exercise: open it once you have tried."),
    "teacher": ("*How this handout works.* This is the teacher's copy: each cell marked "
                "**Exercise** (as the students see it, with its `...`) is followed by its "
                "**Solution**, run, with its output. The students' copy shows the exercises "
                "without solutions; in the notebook `notebooks/seminar/{notebook}` each solution "
                "is a collapsed block that is never run."),
}

_CODE = re.compile(r"```(?:python)?\n(.*?)```", re.S)
_ROOT = Path(__file__).resolve().parents[2]


def _is_solution(cell) -> bool:
    return "solution" in cell.get("metadata", {}).get("tags", [])


def solution_code(cell) -> str:
    """The code of a solution cell (the fenced block inside its ``<details>``).

    >>> import nbformat
    >>> cell = nbformat.v4.new_markdown_cell(
    ...     "<details><summary>Solution — click to reveal</summary>\\n\\n"
    ...     "```python\\nx = 1\\n```\\n\\n</details>")
    >>> solution_code(cell)
    'x = 1'
    """
    if cell.cell_type != "markdown":
        raise ValueError(f"a solution is a Markdown cell (never run by Run All), got a "
                         f"{cell.cell_type} cell: {cell.source[:60]!r}")
    blocks = _CODE.findall(cell.source)
    if SOLUTION_LABEL not in cell.source or not cell.source.lstrip().startswith("<details>") \
            or len(blocks) != 1:
        raise ValueError(f"a solution cell starts with <details>, is labelled "
                         f"{SOLUTION_LABEL!r} and holds one ```python block: "
                         f"{cell.source[:80]!r}")
    return blocks[0].strip("\n")


def _is_instructions(cell) -> bool:
    return "instructions" in cell.get("metadata", {}).get("tags", [])


def _with_instructions(nb, kind: str, notebook: str):
    """``nb`` with its one ``instructions`` cell saying how the ``kind`` copy works."""
    found = [c for c in nb.cells if _is_instructions(c)]
    if len(found) != 1:
        raise ValueError(f"{notebook}: a seminar notebook has one Markdown cell tagged "
                         f"'instructions' (how the seminar works), found {len(found)}")
    found[0].source = INSTRUCTIONS[kind].format(notebook=notebook)
    return nb


def student_copy(nb, notebook: str):
    """The notebook without its solution cells (the exercises stay, with their ``...``), its
    instructions those of the student handout."""
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if not _is_solution(c)]
    return _with_instructions(out, "student", notebook)


def teacher_copy(nb, notebook: str):
    """The notebook with each solution as a code cell (tagged ``solution``) under a heading,
    its instructions those of the teacher handout."""
    import nbformat

    out = copy.deepcopy(nb)
    cells = []
    for i, cell in enumerate(out.cells):
        if not _is_solution(cell):
            cells.append(cell)
            continue
        heading = nbformat.v4.new_markdown_cell("**Solution**")
        code = nbformat.v4.new_code_cell(solution_code(cell))
        code.metadata["tags"] = ["solution"]
        heading.id, code.id = f"solution-heading-{i}", f"solution-code-{i}"
        cells += [heading, code]
    out.cells = cells
    return _with_instructions(out, "teacher", notebook)


def _title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _execute(nb, cwd: Path, timeout: int):
    from nbclient import NotebookClient

    from .reports import kernel_manager_class

    NotebookClient(nb, kernel_name="python3", timeout=timeout,
                   kernel_manager_class=kernel_manager_class(),
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _html(nb, title: str, stem: str) -> bytes:
    from .reports import offline_html  # the reports' offline page: no CDN scripts

    return offline_html(nb, title, exclude_input=False, stem=stem)


def _write(path: Path, data: bytes) -> None:
    from .reports import _atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write({path: data})


def build_handouts(seminar_dir: str | os.PathLike | None = None,
                   out_dir: str | os.PathLike | None = None, *, timeout: int = 600) -> list[Path]:
    """Execute every seminar notebook twice (student and teacher copy) and export HTML.

    Returns the paths written.  A notebook that fails to run raises, naming the notebook;
    handouts already written stay as they are.
    """
    import nbformat

    seminar_dir = Path(seminar_dir) if seminar_dir else _ROOT / "notebooks" / "seminar"
    out_dir = Path(out_dir) if out_dir else _ROOT / "reports" / "handouts"
    notebooks = sorted(seminar_dir.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no seminar notebooks in {seminar_dir}")
    written = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        title = _title(nb, path.stem)
        for kind, make in (("student", student_copy), ("teacher", teacher_copy)):
            copy_ = make(nb, path.name)
            try:
                copy_ = _execute(copy_, seminar_dir, timeout)
            except Exception as err:  # noqa: BLE001 - re-raised with the notebook named
                raise RuntimeError(f"{path.name} ({kind} copy) failed: {err}") from err
            label = title if kind == "student" else f"{title} (with solutions)"
            target = out_dir / kind / f"{path.stem}.html"
            _write(target, _html(copy_, label, f"{path.stem}-{kind}"))
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the seminar handouts (HTML), with and "
                                                 "without solutions.")
    parser.add_argument("--seminar", default=None, help="folder of seminar notebooks")
    parser.add_argument("--out", default=None, help="output folder (default reports/handouts)")
    args = parser.parse_args(argv)
    for path in build_handouts(args.seminar, args.out):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
