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


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_runs_top_to_bottom_without_warnings(path, executed):
    nb = executed(path)
    assert not _outputs(nb, "error")
    stderr = "".join(o.text for o in _outputs(nb, "stream") if o.name == "stderr")
    assert "Warning" not in stderr, stderr
    pictures = [o for o in _outputs(nb, "display_data") if "image/png" in o.data]
    assert pictures or path.stem == "05_article_audit" or "image/png" in str(nb), \
        f"{path.name} draws nothing"


@pytest.mark.notebook
def test_candidates_of_2016_are_the_articles_from_the_data(executed):
    path = ROOT / "notebooks" / "03_cluster_candidates.ipynb"
    nb = executed(path, year=2016)
    # findings are Markdown computed in the notebook, not printed lines
    text = "".join(o.data.get("text/markdown", "") for o in _outputs(nb, "display_data"))
    assert "Candidates in 2016: Almaty city, Astana." in text
    assert "the same regions as found here" in text


@pytest.mark.notebook
def test_a_bad_parameter_stops_with_a_clear_message(tmp_path):
    path = ROOT / "notebooks" / "01_innovation_index.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as err:
        _execute(path, tmp_path, year=2013)
    assert err.value.ename == "ParameterError"
    assert err.value.evalue == "year 2013 has no innovation index; available: 2010, 2016"


@pytest.mark.notebook
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


def test_papermill_sees_every_parameter_line():
    # a '=' in a help comment made papermill skip the parameter (national_total, thresholds)
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        names = [line.split(":")[0] for line in cell.source.splitlines()
                 if line.strip() and not line.startswith("#")]
        assert list(pm.inspect_notebook(str(path))) == names, path.name


# --- notebook 01 with the user's own table (issue 15.1) ------------------------------------------

USER_FILE = ROOT / "tests" / "data" / "russian_excel.csv"  # 2015 and 2017, Russian-locale CSV


def _markdown(nb):
    return "".join(o.data.get("text/markdown", "") for kind in ("display_data", "execute_result")
                   for o in _outputs(nb, kind))


def _html(nb):
    return "".join(o.data.get("text/html", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs if o.output_type in ("display_data", "execute_result"))


@pytest.mark.notebook
def test_notebook_01_maps_and_ranks_the_users_index_for_its_own_years(tmp_path):
    import itclusters as itc
    nb = _execute(ROOT / "notebooks" / "01_innovation_index.ipynb", tmp_path,
                  indicators_file=str(USER_FILE))
    assert not _outputs(nb, "error")
    expected = itc.innovation_index(itc.read_indicators(USER_FILE)).xs(2017, level="year")
    expected = expected["index"].sort_values(ascending=False)
    first, last = expected.index[0], expected.dropna().index[-1]
    text = _markdown(nb)
    assert "read russian_excel.csv: long layout" in text
    assert (f"In 2017, your index puts **{itc.display_name(first)}** first "
            f"({expected.iloc[0]:.2f}, {itc.grade(expected).iloc[0]})") in text
    assert f"**{itc.display_name(last)}** last ({expected.dropna().iloc[-1]:.2f})" in text
    html = _html(nb)
    for rid, value in expected.dropna().items():  # every region's index in the ranked table
        assert f">{value:.2f}<" in html, rid
    assert "Your index" in html and "article" not in html.lower()  # the article has no 2017
    pictures = [o for o in _outputs(nb, "display_data") if "image/png" in o.data]
    assert len(pictures) == 2  # the map of the user's index and the 2015 -> 2017 rank chart


@pytest.mark.notebook
def test_notebook_01_shows_the_article_beside_the_users_index_when_years_match(tmp_path):
    import itclusters as itc
    source = itc.read_indicators(USER_FILE).reset_index()
    source["year"] = source["year"].replace({2015: 2010, 2017: 2016})
    source["region"] = source.pop("region_id")
    path = tmp_path / "same_years.csv"
    source.to_csv(path, index=False)
    nb = _execute(ROOT / "notebooks" / "01_innovation_index.ipynb", tmp_path,
                  indicators_file=str(path), year=2010)
    assert not _outputs(nb, "error")
    html = _html(nb)
    published = itc.paper_table(1).xs(2010, level="year")["index"]
    assert "Your index" in html and "Article&#x27;s index" in html.replace("'", "&#x27;")
    assert ">51.93<" in html  # Almaty (city), 2010, Table 1
    for value in published:
        assert f">{value:.2f}<" in html
    pictures = [o for o in _outputs(nb, "display_data") if "image/png" in o.data]
    assert len(pictures) == 3  # your map, the article's map, the rank chart


@pytest.mark.notebook
@pytest.mark.parametrize("notebook, parameters, message", [
    ("01_innovation_index", {"indicators_file": str(USER_FILE), "year": 2016},
     f"year 2016 has no data in {USER_FILE}; available: 2015, 2017"),
    ("01_innovation_index", {"indicators_file": 12345},
     'indicators_file 12345 is not a file name; allowed: a path to a .csv or .tsv or .txt or '
     '.xlsx or .xls or .ods file, or "" for none'),
    ("07_robustness", {"draws": 2.5},
     "draws 2.5 is not a whole number; allowed: a whole number from 1 to 1,000,000"),
    ("07_robustness", {"seed": "abc"},
     "seed 'abc' is not a whole number; allowed: a whole number from 0 to 4,294,967,295"),
    ("08_growth_poles", {"permutations": 99.5},
     "permutations 99.5 is not a whole number; allowed: a whole number from 99 to 99,999"),
    ("08_growth_poles", {"seed": -1},
     "seed -1 is outside [0, 4294967295]; allowed: a whole number from 0 to 4,294,967,295"),
])
def test_bad_values_from_the_issue_are_stopped_by_the_validation_cell(tmp_path, notebook,
                                                                      parameters, message):
    with pytest.raises(pm.PapermillExecutionError) as err:
        _execute(ROOT / "notebooks" / f"{notebook}.ipynb", tmp_path, **parameters)
    assert err.value.ename == "ParameterError"
    assert err.value.evalue == message
    assert err.value.exec_count == _validation_cell_number(notebook)


def _validation_cell_number(notebook):
    """papermill's count of the validation cell: the code cells up to it, with the injected one."""
    nb = nbformat.read(ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    at = next(i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", []))
    return at + 3  # 1-based, plus the injected-parameters cell after the parameters cell


@pytest.mark.notebook
def test_the_explorer_notebook_takes_the_users_file(tmp_path):
    nb = _execute(ROOT / "notebooks" / "04_explorer.ipynb", tmp_path,
                  indicators_file=str(USER_FILE), indicator="your_index", year=2017)
    assert not _outputs(nb, "error")
    shown = _outputs(nb, "display_data") + _outputs(nb, "execute_result")
    assert any("image/png" in o.data for o in shown)  # the static form of the explorer
