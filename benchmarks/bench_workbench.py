"""Time of the workbench's audit and sensitivity analysis (issue 24: at most 10 s together).

A synthetic framework of 20 units, 10 indicators in 3 pillars (4, 3, 3), one year, two missing
cells; indicators log-normal around a common factor (fixed seed).  Timed:

- the build and the audit (``build_index`` + ``coherence``);
- ``rank_sensitivity`` with 10,000 draws over every step's choice: imputation (mean, median),
  treatment (none, JRC), normalisation (leader, min-max, rank, percentile), weighting (manual,
  equal, PCA, correlation-equalising), aggregation (arithmetic, geometric, harmonic) = 192
  configurations, SALib's first-order and total indices of each unit's rank;
- beside them, the present Monte Carlo (``itclusters.sensitivity.monte_carlo``, 10,000 draws
  over normalisation, aggregation and log-normal weights) on the same table (imputed by the
  mean: it needs a complete table).

The first run includes importing scipy, scikit-learn and SALib; then the best and the median of
three runs are printed.

Run: ``.venv/bin/python benchmarks/bench_workbench.py``
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import itclusters as itc
from itclusters.sensitivity import monte_carlo

PILLARS = {"economy": 4, "research": 3, "digital": 3}
CHOICES = {"impute": ["mean", "median"], "treat": ["none", "jrc"],
           "normalise": ["leader", "minmax", "rank", "percentile"],
           "weighting": ["manual", "equal", "pca", "correlation"],
           "aggregate": ["arithmetic", "geometric", "harmonic"]}


def framework_text() -> str:
    lines = ["name: bench", "indicators:"]
    for pillar, count in PILLARS.items():
        for i in range(count):
            lines.append(f"  - {{code: {pillar}_{i}, parent: {pillar}}}")
    lines.append("aggregates:")
    lines += [f"  - {{code: {pillar}, parent: index}}" for pillar in PILLARS]
    lines += ["  - {code: index}", "methods:", "  impute: mean"]
    return "\n".join(lines) + "\n"


def table() -> pd.DataFrame:
    rng = np.random.default_rng(2024)
    codes = [f"{p}_{i}" for p, n in PILLARS.items() for i in range(n)]
    common = rng.normal(size=(20, 1))
    values = np.exp(0.8 * common + rng.normal(0, 0.7, size=(20, len(codes)))) * 100
    index = pd.MultiIndex.from_product([[f"u{i:02d}" for i in range(20)], [2023]],
                                       names=["region_id", "year"])
    raw = pd.DataFrame(values, index=index, columns=codes)
    raw.iloc[3, 2] = raw.iloc[11, 7] = np.nan
    return raw


def metadata(codes: list[str]) -> pd.DataFrame:
    rows = [(c, "indicator", c.rsplit("_", 1)[0]) for c in codes]
    rows += [(p, "group", "index") for p in PILLARS] + [("index", "index", None)]
    meta = pd.DataFrame(rows, columns=["code", "level", "parent"]).set_index("code")
    return meta.assign(weight=1.0, direction=1, nonnegative=True)


def timed(label: str, function, repeats: int = 3):
    start = time.perf_counter()
    result = function()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    print(f"{label:<58}: first {first:6.2f} s   best {min(times):6.2f} s   "
          f"median {statistics.median(times):6.2f} s")
    return result, min(times), first


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        path.write_text(framework_text(), encoding="utf-8")
        fw = itc.read_framework(path)
    raw = table()
    print(f"{fw}; {len(raw)} units")
    built, build_time, build_first = timed("build_index (screen ... aggregate)",
                                           lambda: itc.build_index(fw, raw))
    _, audit_time, audit_first = timed("coherence audit", lambda: itc.coherence(built))
    out, sens_time, sens_first = timed(
        "rank_sensitivity, 10,000 draws, 5 choices",
        lambda: itc.rank_sensitivity(built, CHOICES, draws=10_000, seed=1), repeats=2)
    print(f"  {out.runs} runs of {out.configurations} configurations")
    complete = built.imputed
    _, mc_time, _ = timed("present Monte Carlo (monte_carlo), 10,000 draws",
                          lambda: monte_carlo(complete, metadata(list(raw.columns)),
                                              draws=10_000, seed=1))
    total = build_time + audit_time + sens_time
    print(f"audit + 10,000-draw sensitivity: {total:.2f} s (best runs; "
          f"{build_first + audit_first + sens_first:.2f} s for the first, with imports); "
          f"the present Monte Carlo: {mc_time:.2f} s")


if __name__ == "__main__":
    main()
