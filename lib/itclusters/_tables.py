"""Where the project's data live, and the layout tables of ``data/layouts/`` as read from disk.

The lowest layer of the package: it imports nothing of ``itclusters``, so that the region model
(:mod:`itclusters.regions`, :mod:`itclusters.layouts`) and the data module can all read the
layout tables without importing one another.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

#: The tables of ``data/layouts/`` (see its README).
LAYOUT_TABLES = ("layouts", "units", "crosswalk", "source_codes", "source_layouts",
                 "territory_changes", "spellings")


def project_root() -> Path:
    """The folder holding ``data/`` and ``shapefiles/``.

    ``$ITCLUSTERS_HOME`` wins; otherwise the checkout this package was installed from.
    """
    env = os.environ.get("ITCLUSTERS_HOME")
    root = Path(env) if env else Path(__file__).resolve().parents[2]
    if not (root / "data" / "paper").is_dir():
        raise FileNotFoundError(
            f"no data/paper folder under {root}; install the package in editable mode from a "
            f"checkout (pip install -e .) or set ITCLUSTERS_HOME to the checkout")
    return root


def data_path(*parts: str) -> Path:
    return project_root().joinpath("data", *parts)


@lru_cache(maxsize=None)
def layout_table(name: str) -> pd.DataFrame:
    """One table of ``data/layouts/`` as read from disk (cached; callers copy before editing)."""
    if name not in LAYOUT_TABLES:
        raise ValueError(f"unknown layout table {name!r}; available: {', '.join(LAYOUT_TABLES)}")
    path = data_path("layouts", f"{name}.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in ("first_year", "last_year", "n_units", "year"):
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column].replace("", np.nan)).astype("Int64")
    frame.attrs["path"] = str(path)
    return frame


@lru_cache(maxsize=None)
def layout_unit_ids(layout: str) -> tuple[str, ...]:
    """The unit ids of one layout (those existing over all of its years), in ``units.csv`` order;
    ``()`` for a layout that does not exist (callers say what is allowed)."""
    table = layout_table("layouts").set_index("layout")
    if layout not in table.index:
        return ()
    first, last = table.loc[layout, "first_year"], table.loc[layout, "last_year"]
    last = 9999 if pd.isna(last) else last
    units = layout_table("units")
    ends = units["last_year"].fillna(9999)
    return tuple(units.loc[(units["first_year"] <= first) & (ends >= last), "unit_id"])
