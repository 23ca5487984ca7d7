"""Wall time of a full batch of reports and of a no-op second batch, side by side (issue 23.2).

Both are the command a maintainer types, ``itclusters-report`` (``python -m itclusters.reports``
in a fresh process, Python's start and imports included), into one new output folder:
- full: every run executed (the folder is empty), the index and thumbnails built;
- no-op: the same command again with nothing changed: every run "up to date" from its
  report's provenance, no worker started, the index rebuilt from disk (no file rewritten).
The goal: the no-op takes <= 5 % of the full batch.

Default grid: a small one (notebook 01 for 2010 and 2016, notebook 02 for three years, notebook
05) so that the benchmark takes about a minute on 2 cores; ``--grid notebooks/reports.yaml``
measures the project's whole grid (about 3 minutes for the full batch on 2 cores).

Run: ``.venv/bin/python benchmarks/bench_reports_incremental.py [--grid FILE] [--jobs N]``
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMALL_GRID = """
runs:
  - notebook: 01_innovation_index
    parameters:
      year: [2010, 2016]
  - notebook: 02_it_specialisation
    parameters:
      year: [2010, 2013, 2016]
  - notebook: 05_article_audit
"""


def timed_batch(grid: Path, notebooks: Path, out: Path, jobs: int) -> tuple[float, str]:
    """Seconds of one ``itclusters-report`` in a new process, and its summary's last line."""
    command = [sys.executable, "-m", "itclusters.reports", "--grid", str(grid), "--notebooks",
               str(notebooks), "--out", str(out), "--jobs", str(jobs), "--no-progress"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"the batch failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return seconds, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", default=None, help="YAML grid (default: a small grid of 6 runs)")
    parser.add_argument("--jobs", type=int, default=None, help="workers (default: cores)")
    args = parser.parse_args()
    jobs = args.jobs or os.cpu_count() or 1
    notebooks = ROOT / "notebooks"
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        tmp = Path(tmp)
        if args.grid:
            grid = Path(args.grid).resolve()
            notebooks = grid.parent
        else:
            grid = tmp / "grid.yaml"
            grid.write_text(SMALL_GRID, encoding="utf-8")
        out = tmp / "reports"
        full, full_line = timed_batch(grid, notebooks, out, jobs)
        noop, noop_line = timed_batch(grid, notebooks, out, jobs)
        pages = len(list(out.glob("*/*.html")))
    print(f"grid                              : {args.grid or 'small (6 runs)'}")
    print(f"workers                           : {jobs}")
    print(f"reports                           : {pages}")
    print(f"full batch                        : {full:7.1f} s   ({full_line})")
    print(f"no-op second batch                : {noop:7.1f} s   ({noop_line})")
    print(f"ratio no-op / full                : {100 * noop / full:7.1f} %  (goal <= 5 %)")


if __name__ == "__main__":
    main()
