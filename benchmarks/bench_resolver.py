"""The resolver on hostile input: CPU time of a very long region string, capped vs searched.

Measured in one run, side by side:
- capped: ``resolve_region`` on strings of 1 MB and of 201 characters (both refused at once, before
  any matching, since the cap is 200 characters);
- at the cap: ``resolve_region`` on an unknown 200-character string (the closest-name search runs);
- uncapped: the closest-name search alone (``_suggest``, what resolve_region did before the cap)
  on strings of 2,000 and 20,000 characters; its cost grows with the length (about 0.1 s of CPU
  per 1,000 characters on the development machine), which is how a 1 MB string took about a
  minute.

Run: ``.venv/bin/python benchmarks/bench_resolver.py``
"""
from __future__ import annotations

import sys
import time

import itclusters  # noqa: F401
from itclusters import UnknownRegionError, resolve_region

_regions = sys.modules["itclusters.regions"]


def cpu(call, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        call()
        best = min(best, time.process_time() - started)
    return best


def refused(text: str):
    def call():
        try:
            resolve_region(text)
        except UnknownRegionError:
            return
        raise AssertionError("resolved a nonsense string")
    return call


def main() -> None:
    unit = "qwertyuiop asdfghjkl "
    rows = [
        ("capped, 1,000,000 characters", refused("x" * 1_000_000)),
        ("capped, 201 characters", refused((unit * 10)[:201])),
        ("at the cap, 200 characters (suggestions searched)", refused((unit * 10)[:200])),
        ("uncapped search, 2,000 characters", lambda: _regions._suggest((unit * 100)[:2000])),
        ("uncapped search, 20,000 characters", lambda: _regions._suggest((unit * 1000)[:20000])),
    ]
    print(f"{'case':<52} {'CPU seconds':>12}")
    for label, call in rows:
        print(f"{label:<52} {cpu(call, 1 if '20,000' in label else 3):>12.4f}")


if __name__ == "__main__":
    main()
