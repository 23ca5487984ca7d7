"""itclusters: where can IT clusters grow in Kazakhstan's regions?

A small library behind the notebooks that reproduce and extend Kireyeva, Mussabalina &
Tolysbaev (2018), *Assessment and Identification of the Possibility for Creating IT Clusters
in Kazakhstan Regions*, Ekonomika regiona 14(2), 463-473, doi:10.17059/2018-2-10.

Compute functions import fast; maps and widgets load matplotlib and geopandas only when
they are called, and so do the audits, the index builder and the reader of indicator tables
(``import itclusters`` is the first thing a dashboard's kernel does).
"""
from .data import boundaries, official_series, paper_table, sector_matrix
from .indices import (
    DEFAULT_SCALE,
    GradeScale,
    consistent_cuts,
    default_metadata,
    grade,
    innovation_index,
    it_share,
    normalise,
)
from .layouts import (
    LAYOUTS,
    LayoutError,
    NotInLayoutError,
    crosswalk,
    harmonise,
    harmonise_ratio,
    layout_name,
    layout_of,
    layout_units,
    resolve_region,
    territory_changes,
    unit_name,
)
from .presentation import (
    column_header,
    display_name,
    display_names,
    figure_style,
    findings,
    format_column,
    format_table,
    format_value,
    grade_band,
    ranking_table,
    territory_notes,
)
from .regions import (
    REGION_IDS,
    PostReformRegionError,
    UnknownRegionError,
    region_name,
    regions,
)
from .specialisation import hhi, hoover_index, krugman_index, location_quotient, sector_share

__version__ = "0.1.0"

__all__ = [
    "BuildError",
    "Framework",
    "FrameworkError",
    "IndexResult",
    "build_index",
    "coherence",
    "compare",
    "rank_sensitivity",
    "read_framework",
    "LAYOUTS",
    "LayoutError",
    "NotInLayoutError",
    "crosswalk",
    "harmonise",
    "harmonise_ratio",
    "layout_name",
    "layout_of",
    "layout_units",
    "territory_changes",
    "unit_name",
    "REGION_IDS",
    "DEFAULT_SCALE",
    "GradeScale",
    "IndicatorTableError",
    "PostReformRegionError",
    "UnknownRegionError",
    "audit_table1",
    "choropleth",
    "class_breaks",
    "explorer",
    "indicator_grid",
    "recolour",
    "save_figure",
    "small_multiples",
    "audit_table3",
    "column_header",
    "display_name",
    "display_names",
    "figure_style",
    "findings",
    "format_column",
    "format_table",
    "format_value",
    "grade_band",
    "ranking_table",
    "territory_notes",
    "boundaries",
    "consistent_cuts",
    "default_metadata",
    "grade",
    "hhi",
    "hoover_index",
    "innovation_index",
    "indicator_template",
    "it_share",
    "krugman_index",
    "location_quotient",
    "normalise",
    "official_series",
    "paper_table",
    "read_indicators",
    "region_name",
    "regions",
    "resolve_region",
    "sector_matrix",
    "sector_share",
]

# Maps and widgets pull in matplotlib, geopandas and ipywidgets; the audits, the index builder
# and the reader of indicator tables are not needed to show the explorer: load them on first use.
_LAZY = {
    "audit_table1": "audit",
    "audit_table3": "audit",
    "BuildError": "build",
    "IndexResult": "build",
    "build_index": "build",
    "coherence": "composite_audit",
    "compare": "composite_audit",
    "rank_sensitivity": "composite_audit",
    "Framework": "framework",
    "FrameworkError": "framework",
    "read_framework": "framework",
    "IndicatorTableError": "userdata",
    "indicator_template": "userdata",
    "read_indicators": "userdata",
    "choropleth": "maps",
    "recolour": "maps",
    "small_multiples": "maps",
    "indicator_grid": "maps",
    "class_breaks": "maps",
    "save_figure": "maps",
    "explorer": "widgets",
}


_SUBMODULES = ("audit", "build", "catalogue", "charts", "composite_audit", "framework", "handouts",
               "identification", "maps", "parameters", "presentation", "reports", "sensitivity",
               "spatial", "today", "userdata", "widgets")


def __getattr__(name: str):
    from importlib import import_module

    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'itclusters' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY, *_SUBMODULES])
