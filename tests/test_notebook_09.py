"""Notebook 09 runs for the article's last year, a 17-unit year and the latest year."""
import re
from pathlib import Path

import papermill as pm
import pytest

from itclusters.today import latest_year

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "09_it_poles_today.ipynb"


def test_the_default_year_is_the_latest_with_data():
    assert pm.inspect_notebook(str(NOTEBOOK))["year"]["default"] == str(latest_year())


def _run(executed, year):
    nb = executed(NOTEBOOK, year=year)
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


#: What the summary cell reads: the notebook's panels, its year and its first year of change.
_SUMMARY_READS = {"panel", "panel_kz16", "panel_kz17", "year", "SINCE", "today"}


def _changes(cell_source: str) -> set[str]:
    """The names a cell binds or may change in place: assigned, assigned into (``x[...] =``,
    ``x.a =``), deleted, imported, or the object of a call given ``inplace=``."""
    import ast

    def root(node):
        while isinstance(node, (ast.Subscript, ast.Attribute, ast.Starred)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    names = set()
    for node in ast.walk(ast.parse(cell_source)):
        targets = [*getattr(node, "targets", []), getattr(node, "target", None),
                   *[item.optional_vars for item in getattr(node, "items", [])]]
        for target in (t for t in targets if isinstance(t, ast.AST)):
            names |= {root(part) for part in ast.walk(target)
                      if isinstance(part, (ast.Name, ast.Subscript, ast.Attribute))}
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and any(
                k.arg == "inplace" for k in node.keywords):
            names.add(root(node.func.value))
    return names - {None}


def _summary_run(executed, year):
    """Notebook 09 for ``year`` up to its summary: its own cells that set up the panels and check
    the year, then its summary cell; the cells between them (maps, tables, the explorer) are
    left out, having been checked to change nothing the summary reads."""
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    (parameters,) = [i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])]
    (summary,) = [i for i, c in enumerate(code) if "today.summary(" in c.source]
    kept = code[:parameters + 2]  # the setup, the parameters and the cell that checks them
    assert "check_choice(\"year\"" in kept[-1].source
    for cell in code[parameters + 2:summary]:
        assert not _changes(cell.source) & _SUMMARY_READS, cell.source
    kept[parameters].source = f"year = {year!r}"
    nb.cells = [*kept, code[summary]]
    ran = executed(nb, cwd=NOTEBOOK.parent)
    return [o for c in ran.cells if c.cell_type == "code" for o in c.outputs]


@pytest.mark.notebook
@pytest.mark.parametrize("year", [2016, 2019, latest_year()])
def test_runs_for_the_year(executed, year):
    outputs = _run(executed, year)
    assert not [o for o in outputs if o.output_type == "error"]
    stderr = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stderr")
    assert "Warning" not in stderr, stderr
    pictures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pictures) >= 5 if year != 2016 else len(pictures) >= 4
    text = "".join(o["data"].get("text/markdown", "") for o in outputs if "data" in o)
    assert f"**{year}** (" in text
    assert "Almaty city and Astana" in text      # computed poles, every year so far
    assert "NaN" not in text
    shown = "".join(o["data"].get(kind, "") for o in outputs if "data" in o
                    for kind in ("text/html", "text/markdown", "text/plain"))
    assert not re.search(r"\bkz(16|17|20)\b", shown), "a layout id is shown to the reader"
    assert "9.5.1 precision" not in shown  # said once, in the caption, not on every row
    if year == latest_year():  # 9.5.1 of 2023: the bureau's two decimals, its zero explained
        rd = next(o["data"]["text/html"] for o in outputs
                  if "D in 2023 (SDG 9.5.1" in o.get("data", {}).get("text/html", ""))
        assert "rounded to 2 decimals" in rd
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", rd)
        assert "0.31" in cells and "0.310" not in cells and "0.000" not in cells
        assert "- Atyrau reads 0.00\u202f% of GRP because the bureau rounds 9.5.1 to 2 decimals" in text
        assert "on the 20 units of 2022 onwards" in shown
        # the reduced Karaganda is named so, its change said once under the table
        assert "Karaganda (since 2022)" in shown
        assert "Karaganda without Ulytau, split off in June 2022" in text
        # the growth table on the article's 16 units names what a merged unit holds
        assert "Karaganda incl. Ulytau" in shown


@pytest.mark.notebook
@pytest.mark.parametrize("year, flagged", [
    # two sentences of 2022 that name an outlier (the summary's other flagged sentence, the
    # growth of 2023, is checked on the library's summary: test_today_layouts.py; a run of the
    # notebook for it would cost the suite a minute)
    (2022, ("Pavlodar's, 0.63 — but ICT value added of Pavlodar in 2022",
            "highest in North-Kazakhstan (0.42\u202f% of its GRP) — but R&D expenditure")),
])
def test_the_summary_flags_outliers_in_the_sentences_that_name_them(executed, year, flagged):
    outputs = _summary_run(executed, year)
    text = "".join(o["data"].get("text/markdown", "") for o in outputs if "data" in o)
    assert "**Breaks the crosswalk cannot undo:**" in text  # the summary cell ran
    for words in flagged:
        line = next((line for line in text.splitlines() if words in line), None)
        assert line is not None, (words, text)
        assert "flagged as an outlier" in line and "; without it, " in line


@pytest.mark.notebook
def test_a_year_without_data_stops_with_a_clear_message(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "x.ipynb"), parameters={"year": 2009},
                            kernel_name="python3", progress_bar=False, cwd=str(NOTEBOOK.parent))
    assert err.value.ename == "ParameterError"
    assert "year 2009 has no ICT value added by region" in err.value.evalue
