"""The batch on its two executors (a process pool, a Dask cluster): a batch with one bad run,
the same reports on both, a killed worker, an interrupted batch, a second batch or an unwritable
folder.  Apart from test_reports.py so that the two files run on two workers at once (they are
the suite's longest)."""
import hashlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import redirect_stderr, redirect_stdout
from importlib.metadata import version
from types import SimpleNamespace

import nbformat
import psutil
import pytest

from itclusters.reports import load_grid, main
from test_reports import (NOTEBOOKS, ONE_BAD_GRID, ROOT, TINY_INDEX, _all_files, _cli,  # noqa: F401
                          _gone, _grid, _markers, _no_batch_left_behind, _normalised_summary,
                          _sleeper_notebooks, _Sources, _tiny_notebooks, _wait_for)

pytestmark = pytest.mark.notebook  # batches that execute notebooks


def _expected_commit():
    def git(*args):
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    commit = git("rev-parse", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"uncommitted (changes on top of {commit})" if dirty else commit


def _images(notebook):
    return [output["data"][kind] for cell in notebook.cells for output in cell.get("outputs", [])
            for kind in ("image/png", "image/svg+xml", "application/pdf")
            if kind in output.get("data", {})]


#: what papermill and nbclient record of the clock; nothing else of a report may differ
TIMESTAMP_FIELDS = {"start_time", "end_time", "duration", "iopub.execute_input",
                    "iopub.status.busy", "iopub.status.idle", "shell.execute_reply"}


def _without_timestamps(value):
    if isinstance(value, dict):
        return {k: _without_timestamps(v) for k, v in value.items() if k not in TIMESTAMP_FIELDS}
    if isinstance(value, list):
        return [_without_timestamps(v) for v in value]
    return value


@pytest.fixture(scope="module")
def one_bad_run(tmp_path_factory):
    """The tiny index for a good year and a bad one on the process pool (2 workers), run once
    for the module: its exit code, what it printed, its files; the tests that change the
    reports work on a copy."""
    folder = tmp_path_factory.mktemp("one-bad-run")
    notebooks = _tiny_notebooks(folder / "notebooks")
    grid = _grid(folder, ONE_BAD_GRID.replace("01_innovation_index", TINY_INDEX))
    out = folder / "pool"
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(["--grid", str(grid), "--notebooks", str(notebooks), "--out", str(out),
                     "--jobs", "2", "--no-progress"])
    return SimpleNamespace(code=code, out=stdout.getvalue(), err=stderr.getvalue(),
                           files=_all_files(out), folder=out, notebooks=notebooks, grid=grid)


def test_batch_with_one_bad_run(one_bad_run, tmp_path):
    # the machinery on a notebook of a second; the project's notebooks go through the batch in
    # test_reports.py (test_the_grid_maps_the_users_own_index) and test_today_layouts.py
    captured = one_bad_run
    assert captured.code == 1
    out = tmp_path / "reports"
    shutil.copytree(one_bad_run.folder, out)  # copy2: modification times kept
    folder = out / TINY_INDEX
    assert sorted(p.name for p in folder.iterdir()) == [
        "year=2010.html", "year=2010.ipynb", "year=2013.failed.ipynb"]
    good = nbformat.read(folder / "year=2010.ipynb", as_version=4)
    assert any("year = 2010" in c.source for c in good.cells)
    html = (folder / "year=2010.html").read_text()
    assert "A tiny index" in html and "2010: north leads" in html
    assert "plt.subplots(" not in html and "raise ParameterError" not in html  # inputs hidden
    assert "1 of 2 runs succeeded; 1 failed" in captured.out
    # kernels talk over local sockets: no warning about unencrypted TCP in the log
    log = (out / "batch.log").read_text(encoding="utf-8")
    assert "without encryption" not in log + captured.err
    assert "FAILED" in captured.out and "year=2013" in captured.out
    assert ("tiny_index (year=2013): ParameterError: year 2013 has no tiny index; "
            "available: 2010, 2016") in captured.err

    # a rerun replaces the reports cleanly and keeps the good one when a run fails again
    # (--force: without it the good report, up to date, would not run again)
    before = (folder / "year=2010.ipynb").stat().st_mtime_ns
    assert main(["--grid", str(one_bad_run.grid), "--notebooks", str(one_bad_run.notebooks),
                 "--out", str(out), "--no-progress", "--jobs", "1", "--force"]) == 1
    assert (folder / "year=2010.ipynb").stat().st_mtime_ns > before
    assert sorted(p.name for p in folder.iterdir()) == [
        "year=2010.html", "year=2010.ipynb", "year=2013.failed.ipynb"]


@pytest.fixture
def dask_address():
    """A LocalCluster of 2 single-threaded worker processes on localhost, started by the test."""
    import logging

    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


def test_dask_cluster_gives_the_same_reports_as_the_process_pool(one_bad_run, tmp_path, capsys,
                                                                dask_address):
    # the machinery, on a notebook of a second (the project's notebooks through the batch:
    # test_reports.py, test_today_layouts.py); the pool's batch is the module's one_bad_run
    pool = one_bad_run
    outcomes = {"pool": (pool.code, pool.files, _normalised_summary(pool.out),
                         pool.err.replace(str(pool.folder), "OUT"))}
    out = tmp_path / "dask"
    code = main(["--grid", str(pool.grid), "--notebooks", str(pool.notebooks), "--out", str(out),
                 "--jobs", "2", "--no-progress", "--scheduler", dask_address])
    captured = capsys.readouterr()
    outcomes["dask"] = (code, _all_files(out), _normalised_summary(captured.out),
                        captured.err.replace(str(out), "OUT"))
    assert outcomes["pool"][0] == outcomes["dask"][0] == 1
    assert outcomes["pool"][1] == outcomes["dask"][1] == [
        ".itclusters-report.lock", "batch.log", "index.html", "thumbs/tiny_index/year=2010.png",
        "tiny_index/year=2010.html", "tiny_index/year=2010.ipynb",
        "tiny_index/year=2013.failed.ipynb"]
    assert outcomes["pool"][2] == outcomes["dask"][2]
    assert "1 of 2 runs succeeded; 1 failed" in outcomes["dask"][2]
    assert outcomes["pool"][3] == outcomes["dask"][3]
    assert "ParameterError: year 2013 has no tiny index" in outcomes["dask"][3]

    # two regenerations (here on the two executors): the HTML and every figure are identical to
    # the byte; the notebooks differ only in the clock fields papermill and nbclient record
    folder = TINY_INDEX
    pool_html = (pool.folder / folder / "year=2010.html").read_bytes()
    assert pool_html == (tmp_path / "dask" / folder / "year=2010.html").read_bytes()
    a = nbformat.read(pool.folder / folder / "year=2010.ipynb", as_version=4)
    b = nbformat.read(tmp_path / "dask" / folder / "year=2010.ipynb", as_version=4)
    assert len(_images(a)) >= 2 and _images(a) == _images(b)
    assert a != b and _without_timestamps(a) == _without_timestamps(b)

    # provenance: notebook metadata and HTML footer
    record = a.metadata["itclusters"]
    assert record["suite_version"] == version("itclusters")
    assert record["git_commit"] == _expected_commit()
    assert record["parameters"] == {"year": 2010}
    table = ROOT / "data" / "paper" / "table1_innovation_index.csv"
    assert record["data_sha256"]["data/paper/table1_innovation_index.csv"] == hashlib.sha256(
        table.read_bytes()).hexdigest()
    for package in ("pandas", "geopandas", "matplotlib", "papermill"):
        assert record["versions"][package] == version(package)
    text = pool_html.decode()
    footer = text[text.index('<footer class="itclusters-provenance"'):text.index("</footer>")]
    assert f"code <code>{_expected_commit()}</code>" in footer
    assert f"itclusters {version('itclusters')}" in footer and "year = 2010" in footer
    for package in ("pandas", "geopandas", "matplotlib", "papermill"):
        assert f"{package} {version(package)}" in footer
    assert record["data_sha256"]["data/paper/table1_innovation_index.csv"] in footer

    # issue 10.5: a real title, and nothing loaded from the network
    page = _Sources()
    page.feed(text)
    assert page.title == "1 · A tiny index (year 2010)"
    remote = [u for u in page.loaded if re.match(r"(https?:)?//", u.strip(), re.I)]
    assert remote == []
    assert not [s for s in page.scripts if re.search(r"https?://", s)]


def test_every_report_of_the_projects_grid_has_a_title_from_its_notebook():
    """The title (the browser tab's, the index's link) says each parameter in words: an
    indicator by the label its figures use, never by its code."""
    from itclusters.catalogue import INDICATORS
    from itclusters.reports import report_title

    titles = {}
    for run in load_grid(NOTEBOOKS / "reports.yaml"):
        nb = nbformat.read(NOTEBOOKS / f"{run.notebook}.ipynb", as_version=4)
        title = titles[run.notebook, run.parameters] = report_title(nb, run)
        heading = next(c.source for c in nb.cells if c.cell_type == "markdown")
        assert title.startswith(heading.splitlines()[0].lstrip("# ").strip())
        for name, value in run.parameters:
            assert "=" not in title, title
            if value in INDICATORS:
                label = INDICATORS[value].label
                assert label in title and value not in title.replace(label, ""), title
            else:
                assert f"{name.replace('_', ' ')} {value}" in title, title
    assert titles["04_explorer", (("indicator", "ict_lq"),)] == \
        "4 · Explorer (ICT (section J) location quotient)"
    assert titles["03_cluster_candidates", (("specialisation", "it_share"), ("year", 2010))] == \
        "3 · Where can an IT cluster grow? (IT share, formula (5) recomputed · year 2010)"


@pytest.mark.parametrize("executor", ["pool", "dask"])
def test_a_killed_worker_is_retried_once_then_reported(tmp_path, capsys, executor):
    folder = _sleeper_notebooks(tmp_path)
    marker = tmp_path / "markers"
    marker.mkdir()
    grid = _grid(tmp_path, f"""
runs:
  - notebook: sleeper
    parameters: {{label: [good, once, twice], marker: "{marker}"}}
""")
    for label in ("once", "twice"):
        (marker / f"{label}.hold").touch()
    killed = []
    stop = threading.Event()

    def killer():  # kill the worker of "once" once and of "twice" every time
        while not stop.is_set():
            for label in ("once", "twice"):
                for kernel, worker in _markers(marker, label).items():
                    if kernel in {k for k, _, _ in killed}:
                        continue
                    if label == "once" and any(l == "once" for _, _, l in killed):
                        continue
                    killed.append((kernel, worker, label))
                    if label == "once":
                        (marker / "once.hold").unlink()
                    os.kill(worker, signal.SIGKILL)
            time.sleep(0.1)
    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    extra = ["--jobs", "1"] if executor == "pool" else ["--jobs", "2", "--scheduler", "local"]
    try:
        code = main(["--grid", str(grid), "--notebooks", str(folder), "--out",
                     str(tmp_path / "out"), "--no-progress", *extra])
    finally:
        stop.set()
        thread.join()
    out = capsys.readouterr().out
    assert code == 1
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("sleeper ")}
    assert re.search(r"label=good, .*\sok\s", lines["label=good,"])
    assert re.search(r"\sok\s.*\(retried after a lost worker", lines["label=once,"])
    assert re.search(r"\sFAILED\s.*worker lost twice \(killed or out of memory\)",
                     lines["label=twice,"])
    assert "2 of 3 runs succeeded; 1 failed" in out
    assert [label for _, _, label in killed].count("once") == 1
    assert [label for _, _, label in killed].count("twice") >= 1
    assert _gone([k for k, _, _ in killed]) == []  # no orphan kernel of the killed workers


# --------------------------------------------------------------------------------------------
# issue 14.4: interruptions, concurrent batches, an output folder that cannot take the reports

@pytest.mark.parametrize("executor, signum, group", [
    ("pool", signal.SIGINT, True),     # Ctrl-C in a terminal: the whole process group
    ("pool", signal.SIGTERM, False),   # kill PID
    ("dask", signal.SIGTERM, False),
    ("dask", signal.SIGINT, True),
])
def test_an_interrupted_batch_stops_everything_and_says_what_finished(tmp_path, executor,
                                                                      signum, group):
    folder = _sleeper_notebooks(tmp_path)
    marker = tmp_path / "markers"
    marker.mkdir()
    (marker / "slow.hold").touch()
    grid = _grid(tmp_path, f"""
runs:
  - notebook: sleeper
    parameters: {{label: quick, seconds: 0}}
  - notebook: sleeper
    parameters: {{label: slow, marker: "{marker}"}}
  - notebook: sleeper
    parameters: {{label: [later1, later2], seconds: 60}}
""")
    out = tmp_path / "out"
    extra = ["--scheduler", "local"] if executor == "dask" else []
    scratch = tmp_path / "tmp"  # the batch's temporary folder (TMPDIR)
    scratch.mkdir()
    batch = _cli("--grid", str(grid), "--notebooks", str(folder), "--out", str(out),
                 "--jobs", "2", *extra, env={**os.environ, "TMPDIR": str(scratch)})
    _wait_for(lambda: (out / "sleeper" / "label=quick_seconds=0.ipynb").exists()
              and _markers(marker, "slow"), what="one finished run and one running")
    kernels = _markers(marker)
    session = [p.pid for p in psutil.process_iter() if p.pid != batch.pid
               and _sid(p.pid) == batch.pid]
    assert session  # workers and kernels
    start = time.monotonic()
    if group:
        os.killpg(batch.pid, signum)
    else:
        batch.send_signal(signum)
    stdout, stderr = batch.communicate(timeout=60)
    seconds = time.monotonic() - start
    assert seconds < 15, seconds
    assert batch.returncode == 128 + signum
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    name = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}[signum]
    assert f"interrupted by {name}; 1 of 4 runs finished, 3 did not" in stderr
    assert "1 of 4 runs finished (1 ok, 0 failed); 3 did not finish" in stdout
    assert re.search(r"label=slow, .*not finished", stdout)
    # no partial or temporary file; the finished run's report is complete
    assert _all_files(out) == [".itclusters-report.lock", "batch.log", "index.html",
                               "sleeper/label=quick_seconds=0.html",
                               "sleeper/label=quick_seconds=0.ipynb"]
    nbformat.read(out / "sleeper" / "label=quick_seconds=0.ipynb", as_version=4)
    assert [p.name for p in scratch.iterdir() if p.name.startswith("itclusters-")] == []
    # no orphan: every worker and kernel of the batch is gone
    assert _gone([*kernels, *kernels.values(), *session]) == []


def _sid(pid):
    try:
        return os.getsid(pid)
    except OSError:
        return None


def test_a_second_batch_into_the_same_folder_refuses_politely(tmp_path, capsys):
    folder = _sleeper_notebooks(tmp_path)
    marker = tmp_path / "markers"
    marker.mkdir()
    (marker / "first.hold").touch()
    grid = _grid(tmp_path, f"""
runs:
  - notebook: sleeper
    parameters: {{label: first, marker: "{marker}"}}
""")
    out = tmp_path / "out"
    first = _cli("--grid", str(grid), "--notebooks", str(folder), "--out", str(out))
    try:
        _wait_for(lambda: _markers(marker, "first"), what="the first batch running")
        code = main(["--grid", str(grid), "--notebooks", str(folder), "--out", str(out),
                     "--no-progress"])
        err = capsys.readouterr().err
        assert code == 2
        assert err == (f"itclusters-report: another itclusters-report (pid {first.pid}, started "
                       f"{err.split('started ')[1].split(')')[0]}) is writing into {out}; wait "
                       f"for it to finish or choose another folder with --out\n")
        (marker / "first.hold").unlink()
        stdout, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, stderr
    assert "1 of 1 runs succeeded" in stdout
    names = [p.name for p in (out / "sleeper").iterdir()]
    assert len(names) == 2 and all(not n.startswith(".") for n in names)
    # once the first batch is over, the folder is free again
    assert main(["--grid", str(grid), "--notebooks", str(folder), "--out", str(out),
                 "--no-progress"]) == 0


def _unshare_available():
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _unshare_available(),
                    reason="needs `unshare -rm` (user and mount namespaces) to mount a small or "
                           "read-only file system without root")
@pytest.mark.parametrize("options, reason", [
    ("size=1m,ro", "it is on a read-only file system"),
    ("size=64k", r"0\.\d MB free, the batch needs about 48 MB"),
])
def test_a_read_only_or_full_output_folder_is_one_clear_error(tmp_path, options, reason):
    grid = _grid(tmp_path, ONE_BAD_GRID)
    out = tmp_path / "out"
    out.mkdir()
    command = (f'mount -t tmpfs -o {options} tmpfs "{out}" && exec "{sys.executable}" -m '
               f'itclusters.reports --grid "{grid}" --notebooks "{NOTEBOOKS}" --out "{out}" '
               f'--no-progress')
    done = subprocess.run(["unshare", "-rm", "sh", "-c", command], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert re.fullmatch(rf"itclusters-report: cannot write reports into {re.escape(str(out))}: "
                        rf"{reason}.*choose another folder with --out", lines[0])


def test_an_unwritable_output_folder_is_one_error_before_any_run(tmp_path, capsys):
    grid = _grid(tmp_path, ONE_BAD_GRID)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["--grid", str(grid), "--notebooks", str(NOTEBOOKS), "--out",
                 str(blocker / "reports"), "--no-progress"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"itclusters-report: cannot write reports into "
                                               f"{blocker / 'reports'}: ")
