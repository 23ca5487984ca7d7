"""Issue 25.4-6: output errors fail one run, Dask faults end the batch, errors at the command line."""
import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from itclusters import reports
from itclusters.reports import Run, assign_names, main
from test_reports import NOTEBOOKS, _cli, _grid, _markers, _sleeper_notebooks, _wait_for

pytestmark = pytest.mark.notebook  # batches that execute notebooks


# --------------------------------------------------------------------------------------------
# 25.4: an output error is the failure of that run, never of the batch

def test_names_over_the_file_system_limit_are_shortened_with_a_hash():
    long_a, long_b = "ы" * 150, "ы" * 149 + "й"  # 300 bytes in UTF-8, 150 characters
    a, b, short = assign_names([Run("n", (("label", long_a),)), Run("n", (("label", long_b),)),
                                Run("n", (("label", "short"),))])
    for run in (a, b):
        assert len(f".{run.slug}.failed.tmp-4194304.ipynb".encode()) <= 255
        assert run.slug.endswith("_" + run.parameter_hash)
        assert run.slug.startswith("label=ыыы")
    assert a.slug != b.slug and short.slug == "label=short"


def test_a_long_name_and_a_full_disk_fail_one_run_and_the_others_finish(tmp_path, capsys,
                                                                        monkeypatch):
    folder = _sleeper_notebooks(tmp_path)
    grid = _grid(tmp_path, f"""
runs:
  - notebook: sleeper
    parameters: {{label: [first, full, "{'x' * 300}", last]}}
""")
    real_write = Path.write_bytes

    def full_disk(self, data):  # the disk fills up while the HTML of "full" is written
        if "label=full" in self.name and self.name.endswith(".html"):
            real_write(self, data[:100])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    out = tmp_path / "out"
    code = main(["--grid", str(grid), "--notebooks", str(folder), "--out", str(out), "--jobs", "2",
                 "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1, captured
    lines = {line.split()[1]: line for line in captured.out.splitlines()
             if line.startswith("sleeper ")}
    assert re.search(r"\sFAILED\s.*no space left on the device", lines["label=full"])
    assert re.search(r"\sok\s", lines["label=first"]) and re.search(r"\sok\s", lines["label=last"])
    assert re.search(r"\sok\s", lines["label=" + "x" * 300]), captured.out
    assert "3 of 4 runs succeeded; 1 failed" in captured.out
    names = sorted(p.name for p in (out / "sleeper").iterdir())
    assert "label=full.failed.ipynb" in names  # the executed notebook is kept
    assert not [n for n in names if n.startswith(".") or n.startswith("label=full.")
                and "failed" not in n]
    assert all(len(n.encode()) <= 255 for n in names)
    assert len([n for n in names if n.startswith("label=xxx")]) == 2  # .ipynb and .html


def test_the_free_space_estimate_uses_the_previous_reports(tmp_path):
    assert reports._bytes_per_run(tmp_path) == 24 * 2**20  # nothing yet: 24 MB a run
    (tmp_path / "09_it_poles_today").mkdir()
    (tmp_path / "09_it_poles_today" / "year=2022.ipynb").write_bytes(b"x" * 2_600_000)
    (tmp_path / "09_it_poles_today" / "year=2022.html").write_bytes(b"x" * 2_000_000)
    (tmp_path / "09_it_poles_today" / "year=2010.html").write_bytes(b"x" * 3_000_000)
    assert reports._bytes_per_run(tmp_path) == 4_600_000


# --------------------------------------------------------------------------------------------
# 25.5: faults of the distributed engine end the batch within a bound

def _dask(*args):
    return subprocess.Popen([str(Path(sys.executable).parent / "dask"), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


@pytest.fixture
def dask_processes(tmp_path):
    """A scheduler and one single-threaded worker, each its own process (no nanny)."""
    info = tmp_path / "scheduler.json"
    scheduler = _dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(info))
    started = [scheduler]
    try:
        # the scheduler writes its file in more than one step: wait until it reads whole
        address = _wait_for(lambda: _address(info), 60, "the scheduler")
        started.append(_dask("worker", address, "--nthreads", "1", "--nworkers", "1",
                             "--no-nanny", "--no-dashboard", "--death-timeout", "120"))
        yield address, *started
    finally:
        for proc in started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _address(info: Path) -> str | None:
    """The scheduler's address in its file, once the file is there and whole."""
    try:
        return json.loads(info.read_text())["address"]
    except (OSError, ValueError, KeyError):
        return None


def _sleeper_batch(tmp_path, address, *extra):
    folder = _sleeper_notebooks(tmp_path)
    marker = tmp_path / "markers"
    marker.mkdir()
    (marker / "slow.hold").touch()
    grid = _grid(tmp_path, f"""
runs:
  - notebook: sleeper
    parameters: {{label: quick}}
  - notebook: sleeper
    parameters: {{label: slow, marker: "{marker}"}}
""")
    out = tmp_path / "out"
    batch = _cli("--grid", str(grid), "--notebooks", str(folder), "--out", str(out),
                 "--scheduler", address, *extra)
    _wait_for(lambda: (out / "sleeper" / "label=quick.html").exists() and _markers(marker, "slow")
              or batch.poll() is not None, what="one finished run and one running")
    assert batch.poll() is None, batch.communicate()
    return batch, marker


def _kill_kernels(marker):
    for kernel in _markers(marker):
        try:
            os.kill(kernel, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("lost", ["scheduler", "workers"])
def test_a_lost_scheduler_or_every_worker_ends_the_batch_in_bounded_time(tmp_path, dask_processes,
                                                                        lost):
    address, scheduler, worker = dask_processes
    batch, marker = _sleeper_batch(tmp_path, address, "--lost-timeout", "5")
    try:
        start = time.monotonic()
        os.killpg((scheduler if lost == "scheduler" else worker).pid, signal.SIGKILL)
        stdout, stderr = batch.communicate(timeout=60)
        seconds = time.monotonic() - start
    finally:
        if batch.poll() is None:
            batch.kill()
        _kill_kernels(marker)
    assert seconds < 30, seconds
    assert batch.returncode == 2, (stdout, stderr)
    assert "Traceback" not in stderr, stderr
    what = (f"lost the Dask scheduler at {address}" if lost == "scheduler"
            else f"lost every worker of the Dask scheduler at {address}")
    assert what in stderr, stderr
    assert "1 of 2 runs finished (1 ok, 0 failed); 1 did not finish" in stdout
    assert re.search(r"label=slow, .*not finished", stdout)


def test_ctrl_c_after_the_scheduler_is_lost_exits_130_with_the_summary(tmp_path, dask_processes):
    address, scheduler, worker = dask_processes
    batch, marker = _sleeper_batch(tmp_path, address, "--lost-timeout", "600")
    try:
        os.killpg(scheduler.pid, signal.SIGKILL)
        time.sleep(3)
        start = time.monotonic()
        os.killpg(batch.pid, signal.SIGINT)
        stdout, stderr = batch.communicate(timeout=60)
        seconds = time.monotonic() - start
    finally:
        if batch.poll() is None:
            batch.kill()
        _kill_kernels(marker)
    assert seconds < 20, seconds
    assert batch.returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    assert "1 of 2 runs finished (1 ok, 0 failed); 1 did not finish" in stdout


# --------------------------------------------------------------------------------------------
# 25.6: errors for people at the command line, exit 2

def _cp1251_grid(tmp_path):
    path = tmp_path / "grid_cp1251.yaml"
    path.write_bytes("# отчёты для семинара\nruns:\n  - notebook: 05_article_audit\n"
                     .encode("cp1251"))
    return path


@pytest.mark.parametrize("case, message", [
    ("scheduler", r"--scheduler 'tcp://127\.0\.0\.1': missing port number; allowed: 'local' or "
                  r"a Dask scheduler address with its port \(tcp://host:8786\)"),
    ("cp1251", r"grid_cp1251\.yaml: not UTF-8 text \(byte 0x.. at position \d+\); save the grid as "
               r"UTF-8"),
    ("folder", r"--grid .*: is a folder; allowed: a YAML grid file"),
    ("only", r"--only '05_artcle_audit': no such notebook in the grid .*; allowed: "
             r"05_article_audit, 07_robustness \(did you mean '05_article_audit'\?\)"),
])
def test_command_line_errors_name_the_argument_and_exit_2(tmp_path, capsys, case, message):
    grid = _grid(tmp_path, "runs:\n  - notebook: 05_article_audit\n  - notebook: 07_robustness\n")
    args = {"scheduler": ["--grid", str(grid), "--scheduler", "tcp://127.0.0.1"],
            "cp1251": ["--grid", str(_cp1251_grid(tmp_path))],
            "folder": ["--grid", str(tmp_path)],
            "only": ["--grid", str(grid), "--only", "05_article_audit", "--only",
                     "05_artcle_audit"]}[case]
    out = tmp_path / "out"
    assert main([*args, "--notebooks", str(NOTEBOOKS), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert re.search(message, err), err
    assert not out.exists()
