from pathlib import Path

import nbformat
import pytest

from itclusters.reports import GridError, Run, load_grid, main, summary_table

pytestmark = pytest.mark.notebook  # batches that execute notebooks

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


def test_summary_table_lists_every_run():
    from itclusters.reports import RunResult

    text = summary_table([RunResult(Run("a", (("year", 2010),)), True, 1.0),
                          RunResult(Run("b"), False, 2.0, [], "ValueError: boom")])
    assert "a  " in text and "year=2010" in text and "ValueError: boom" in text
    assert text.endswith("1 of 2 runs succeeded; 1 failed")


# --------------------------------------------------------------------------------------------
# helpers for the tests below

import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

import psutil  # noqa: E402

from itclusters.reports import assign_names, run_batch  # noqa: E402

ONE_BAD_GRID = """
runs:
  - notebook: 01_innovation_index
    parameters:
      year: [2010, 2013]
"""

SLEEPER_CODE = '''import os, pathlib, time
if marker:
    pathlib.Path(marker, f"{label}.{os.getpid()}").write_text(f"{os.getpid()} {os.getppid()}")
    hold = pathlib.Path(marker, f"{label}.hold")
    start = time.monotonic()
    while hold.exists() and time.monotonic() - start < 120:
        time.sleep(0.1)
time.sleep(seconds)
if fail:
    raise ValueError(f"run {label} fails on purpose")
'''


def _sleeper_notebooks(tmp_path):
    """A folder with one tiny notebook that reports its kernel's pid and can be held or fail."""
    folder = tmp_path / "nbs"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Sleeper"),
        nbformat.v4.new_code_cell(
            'seconds: float = 0.0  # how long the run sleeps\n'
            'marker: str = ""  # folder where the kernel writes its pid and its parent\'s\n'
            'label: str = "run"  # name of the run in the marker folder\n'
            'fail: bool = False  # raise an error at the end',
            metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(SLEEPER_CODE),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, folder / "sleeper.ipynb")
    return folder


#: the notebooks of :func:`_tiny_notebooks`
TINY_INDEX, TINY_AUDIT = "tiny_index", "tiny_audit"


def _notebook(folder, name, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text[0]) if isinstance(text, tuple)
                else nbformat.v4.new_code_cell(text) for text in cells]  # (Markdown,), code
    for n, cell in enumerate(nb.cells):
        cell.id = f"cell-{n}"
        if cell.source.startswith(("year:", "a_from:")):
            cell.metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, folder / f"{name}.ipynb")


def _tiny_notebooks(folder):
    """A notebooks folder for the tests of the batch's machinery (executors, faults, what runs
    again): two notebooks of a second or so, shaped like the project's (a title and a purpose,
    a parameters cell, a check that refuses a bad value, a figure, a printed result), that
    import nothing heavier than pyplot; the site and what runs again
    (test_reports_site.py) are checked on them too.  The project's own notebooks go through
    the batch in test_the_grid_maps_the_users_own_index and test_today_layouts.py."""
    folder.mkdir(parents=True, exist_ok=True)
    figure = ('fig, ax = plt.subplots(figsize=(4, 2.5))\n'
              'ax.bar(["north", "south", "east"], [{value}, 3.0, 5.0])\n'
              'ax.set_title({title}, loc="left")\n'
              'plt.show()')
    _notebook(folder, TINY_INDEX, [
        ("# 1 · A tiny index\n\nA stand-in for the index notebook: one figure of the "
         "year's values.",),
        "import matplotlib.pyplot as plt\n\n\nclass ParameterError(ValueError):\n"
        "    \"\"\"A parameter the notebook cannot take.\"\"\"",
        "year: int = 2010  # reference year: 2010 or 2016",
        "if year not in (2010, 2016):\n"
        "    raise ParameterError(f\"year {year} has no tiny index; available: 2010, 2016\")",
        ("## The figure",),
        figure.format(value="year % 7", title='f"Values in {year}"'),
        'print(f"{year}: north leads")',
    ])
    _notebook(folder, TINY_AUDIT, [
        ("# 5 · A tiny audit\n\nEvery number J<sub>D</sub> is checked against the one before it "
         "(a < b & b > c).",),
        "import matplotlib.pyplot as plt",
        "a_from: float = 60.0  # where the letter A starts (above 50)",
        "if not 50 < a_from <= 100:\n    raise ValueError(f\"a_from {a_from} is not above 50\")",
        figure.format(value="a_from / 10", title='f"A from {a_from}"'),
        'print(f"A from {a_from}: 3 letters checked")',
    ])
    return folder


def _markers(folder, label=None):
    """{kernel pid: worker pid} of the kernels that started, optionally of one run."""
    found = {}
    for file in folder.glob("*.*"):
        stem, _, suffix = file.name.rpartition(".")
        if suffix.isdigit() and (label is None or stem == label):
            text = file.read_text().split()
            if len(text) == 2:
                found[int(text[0])] = int(text[1])
    return found


def _wait_for(predicate, timeout=120.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _gone(pids, timeout=10.0):
    end = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < end:
        alive = [p for p in alive if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.2)
    return alive


def _normalised_summary(text):
    """The summary with the seconds column blanked, its padding too (wall times differ from run
    to run, and "9.9" is padded one space more than "10.1")."""
    return re.sub(r"\s\d+\.\d[ ]*", " _ ", text)


def _all_files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


_STARTED: list = []  # batches started by _cli, stopped after each test whatever its outcome


def _cli(*args, **kwargs):
    batch = subprocess.Popen([sys.executable, "-m", "itclusters.reports", "--no-progress", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True, **kwargs)
    _STARTED.append(batch)
    return batch


@pytest.fixture(autouse=True)
def _no_batch_left_behind():
    """A test that fails half-way must not leave its batch (workers, kernels) running into the
    next tests of its worker."""
    yield
    while _STARTED:
        batch = _STARTED.pop()
        if batch.poll() is None:
            try:
                os.killpg(batch.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        batch.communicate(timeout=60)  # reaps it and closes its pipes


# --------------------------------------------------------------------------------------------
# issue 15.4: the grid refuses what it cannot run as written, before any run

@pytest.mark.parametrize("entry, message", [
    ("  - notebook: 01_innovation_index\n    parameters: {yeer: 2010}\n",
     r"run 1 \(01_innovation_index\), parameter 'yeer': 01_innovation_index has no such "
     r"parameter \(did you mean 'year'\?\); its parameters: year, scheme, indicators_file"),
    ("  - notebook: 01_innovation_index\n    parameters: {year: '2010'}\n",
     r"run 1 \(01_innovation_index\), parameter 'year': '2010' is a str; 01_innovation_index "
     r"declares year: int"),
    ("  - notebook: 05_article_audit\n  - notebook: 07_robustness\n"
     "    parameters: {draws: [100, 2.5]}\n",
     r"run 2 \(07_robustness\), parameter 'draws': 2.5 is a float; 07_robustness declares "
     r"draws: int"),
    ("  - notebook: 01_innovation_index\n    parameters: {year: true}\n",
     r"parameter 'year': True is a bool"),
    ("  - notebook: 03_cluster_candidates\n    parameters: {index_threshold: fifty}\n",
     r"parameter 'index_threshold': 'fifty' is a str; 03_cluster_candidates declares "
     r"index_threshold: float"),
    ("  - notebook: ../notebooks/05_article_audit\n",
     r"run 1: notebook '../notebooks/05_article_audit' leaves the notebooks folder"),
    (f"  - notebook: {NOTEBOOKS / '05_article_audit'}\n", r"run 1: notebook .* is an absolute path"),
])
def test_grid_refuses_what_it_cannot_run_at_load_with_exit_2(tmp_path, capsys, entry, message):
    grid = _grid(tmp_path, "runs:\n" + entry)
    out = tmp_path / "reports"
    assert main(["--grid", str(grid), "--notebooks", str(NOTEBOOKS), "--out", str(out),
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"itclusters-report: {grid}: ")
    assert re.search(message, err), err
    assert not out.exists()  # nothing written, nothing run


def test_a_float_parameter_takes_an_int(tmp_path):
    grid = _grid(tmp_path, "runs:\n  - notebook: 03_cluster_candidates\n"
                           "    parameters: {index_threshold: 50, year: 2016}\n")
    assert load_grid(grid, NOTEBOOKS)[0].params == {"index_threshold": 50, "year": 2016}


def test_a_notebook_linked_from_outside_the_folder_is_refused(tmp_path):
    folder = tmp_path / "nbs"
    folder.mkdir()
    (folder / "audit.ipynb").symlink_to(NOTEBOOKS / "05_article_audit.ipynb")
    grid = _grid(tmp_path, "runs:\n  - notebook: audit\n")
    with pytest.raises(GridError, match=r"run 1: notebook 'audit' leaves the notebooks folder "
                                        r".* it is a link to .*05_article_audit.ipynb"):
        load_grid(grid, folder)


def test_runs_whose_readable_names_collide_get_a_hash(tmp_path):
    grid = _grid(tmp_path, """
runs:
  - notebook: 01_innovation_index
    parameters:
      year: 2016
      indicators_file: ["x y.csv", "x-y.csv", "other.csv"]
""")
    runs = load_grid(grid, NOTEBOOKS)
    names = [r.slug for r in runs]
    assert len(set(names)) == 3
    assert names[2] == "indicators_file=other.csv_year=2016"  # no clash: readable name kept
    for run in runs[:2]:
        digest = hashlib.sha256(json.dumps(run.params, sort_keys=True).encode()).hexdigest()
        assert run.slug == f"indicators_file=x-y.csv_year=2016_{digest[:8]}"


def test_a_name_collision_is_an_error_not_an_overwrite(tmp_path):
    runs = [Run("05_article_audit", (), "same"), Run("05_article_audit", (("a_from", 70.0),), "same")]
    with pytest.raises(GridError, match=r"05_article_audit \(defaults\) and 05_article_audit "
                                        r"\(a_from=70.0\) would both write 05_article_audit/same"):
        run_batch(runs, NOTEBOOKS, tmp_path / "reports", progress=False)
    assert not (tmp_path / "reports").exists()
    # names differing only in case collide too (case-insensitive file systems)
    a, b = assign_names([Run("n", (("s", "Grade"),)), Run("n", (("s", "grade"),))])
    assert a.slug.casefold() != b.slug.casefold()


# --------------------------------------------------------------------------------------------
# issue 13 + 10.5: the same batch on a local Dask cluster; reproducible, titled, offline HTML
# with a provenance footer

class _Sources(HTMLParser):
    """Every URL the page would load (scripts, styles, images, frames) and the inline scripts."""

    def __init__(self):
        super().__init__()
        self.loaded, self.scripts, self.title, self._in = [], [], "", None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"script", "img", "iframe", "source", "embed", "audio", "video"}:
            self.loaded.append(attrs.get("src") or "")
        if tag == "link":
            self.loaded.append(attrs.get("href") or "")
        if tag == "object":
            self.loaded.append(attrs.get("data") or "")
        self._in = tag

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)
        if self._in == "title":
            self.title += data


def test_the_grid_maps_the_users_own_index(tmp_path, capsys):
    """Issue 15.1 through the batch: a user's 2015/2017 table gives two reports of *that* index."""
    from itclusters import innovation_index, read_indicators
    from itclusters.presentation import display_name

    table = ROOT / "tests" / "data" / "clean_long.csv"
    grid = _grid(tmp_path, f"""
runs:
  - notebook: 01_innovation_index
    parameters:
      indicators_file: "{table}"
      year: [2015, 2017]
""")
    out = tmp_path / "out"
    code = main(["--grid", str(grid), "--notebooks", str(NOTEBOOKS), "--out", str(out),
                 "--jobs", "2", "--no-progress"])
    assert code == 0, capsys.readouterr()
    expected = innovation_index(read_indicators(table))["index"]
    reports = sorted((out / "01_innovation_index").glob("*.html"))
    assert len(reports) == 2
    for year in (2015, 2017):
        [html] = [r.read_text(encoding="utf-8") for r in reports if f"year={year}" in r.name]
        values = expected.xs(year, level="year")
        assert (f"In {year}, your index puts <strong>{display_name(values.idxmax())}</strong> "
                f"first ({values.max():.2f}") in html


def test_kernel_sockets_go_where_their_paths_fit(monkeypatch, tmp_path):
    # a Unix socket path has at most ~100 bytes: under a deep TMPDIR (pytest's own, a user's
    # scratch folder) the kernels could not start and the batch waited for them
    from itclusters import reports

    deep = tmp_path / ("d" * 80)
    deep.mkdir()
    monkeypatch.setattr(reports.tempfile, "gettempdir", lambda: str(deep))
    assert reports._socket_folder() == "/tmp"
    monkeypatch.setattr(reports.tempfile, "gettempdir", lambda: "/tmp")
    assert reports._socket_folder() == "/tmp"


def test_the_batchs_processes_skip_the_iri_grammars_and_still_validate_notebooks():
    # jsonschema's IRI checkers cost each worker 2-3 s of CPU; nbformat's schema has no use
    # for them, and a notebook that breaks the schema is still refused
    code = """
import sys
from itclusters.reports import _without_iri_grammars
_without_iri_grammars()
import nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
nbformat.validate(nb)
del nb.cells[0]["outputs"]
try:
    nbformat.validate(nb)
except nbformat.ValidationError as err:
    print("refused:", err.message)
print("grammars:", "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is not None)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "lib")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["refused: 'outputs' is a required property",
                                        "grammars: False"]
