"""Time of the Monte Carlo over method choices (itclusters.sensitivity.monte_carlo).

Two sizes, one run: 10,000 draws over the 16 regions (the open-data composite, one year) and
1,000 draws over 10,000 synthetic regions (random positive indicators, fixed seed).  Each is
timed three times; the best and the median are printed, with the peak size of the arrays a
chunk of draws holds.

Run: ``.venv/bin/python benchmarks/bench_sensitivity.py``
"""
from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd

from itclusters.catalogue import open_data_indicators
from itclusters.indices import default_metadata
from itclusters.sensitivity import monte_carlo


def timed(label: str, function, repeats: int = 3) -> None:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    print(f"{label:<44}: best {min(times):7.3f} s   median {statistics.median(times):7.3f} s")


def main() -> None:
    raw, metadata = open_data_indicators()
    one_year = raw.xs(2016, level="year", drop_level=False)
    timed("10,000 draws x 16 regions (open data, 2016)",
          lambda: monte_carlo(one_year, metadata, draws=10_000, seed=1))
    rng = np.random.default_rng(0)
    regions = [f"r{i:05d}" for i in range(10_000)]
    index = pd.MultiIndex.from_product([regions, [2016]], names=["region_id", "year"])
    synthetic = pd.DataFrame(rng.lognormal(0, 1, size=(len(index), 6)), index=index,
                             columns=["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"])
    timed("1,000 draws x 10,000 synthetic regions",
          lambda: monte_carlo(synthetic, default_metadata(), draws=1_000, seed=1, chunk=50),
          repeats=2)


if __name__ == "__main__":
    main()
