import numpy as np
import pandas as pd
import pytest

from itclusters import REGION_IDS, region_name

CODES = ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]


@pytest.fixture
def raw_indicators():
    """A synthetic raw indicator table: 16 regions x 2 years, positive values."""
    rng = np.random.default_rng(7)
    index = pd.MultiIndex.from_product([list(REGION_IDS), [2010, 2016]],
                                       names=["region_id", "year"])
    return pd.DataFrame(rng.uniform(1, 50, size=(len(index), 6)), index=index, columns=CODES)


@pytest.fixture
def indicator_csv(tmp_path, raw_indicators):
    """Write the synthetic table as a user would: English names in a 'region' column."""
    def write(mutate=None, name="indicators.csv"):
        table = raw_indicators.reset_index()
        table.insert(0, "region", [region_name(r) for r in table.pop("region_id")])
        table = table.astype({c: object for c in [*CODES, "year"]})
        if mutate is not None:
            table = mutate(table)
        path = tmp_path / name
        table.to_csv(path, index=False)
        return path
    return write


def pytest_terminal_summary(terminalreporter):
    """Say it loudly when the browser tests could not run."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any("BROWSER TESTS SKIPPED" in str(getattr(r, "longrepr", "")) for r in skipped):
        terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED: Chromium not found; "
                                   "run `apt-get install chromium` (.ci/run does)", red=True,
                                   bold=True)


# Property-based tests: one fixed, bounded profile, so that `make test` gives the same examples
# on every machine and stays within minutes.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("itclusters", derandomize=True, database=None, deadline=None,
                          max_examples=60, print_blob=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow])
settings.load_profile("itclusters")
