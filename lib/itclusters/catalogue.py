"""Every per-region indicator the notebooks and the explorer can show, in one tidy panel.

The panel is indexed by ``(region_id, year)``; each column is one indicator, described by an
:class:`Indicator` (label, unit, source, how to classify it on a map).  A cell is missing
where the source has no value: nothing is interpolated.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .data import official_series, paper_table, sector_matrix
from .indices import it_share
from .regions import REGION_IDS
from .specialisation import krugman_index, location_quotient, sector_share

__all__ = ["ARTICLE", "Indicator", "INDICATORS", "indicator_panel", "available_years",
           "OPEN_DATA_INDICATORS", "open_data_indicators", "user_panel", "USER_COLUMNS"]

#: How the suite cites the article, everywhere (sources under maps, tables, sentences).
ARTICLE = "Kireyeva, Mussabalina & Tolysbaev (2018)"
_ARTICLE = ARTICLE
_BNS = "Bureau of National Statistics of Kazakhstan"


@dataclass(frozen=True)
class Indicator:
    """One indicator.  ``unit`` is what maps and the explorer print beside it: the unit its
    values are *shown* in, the same as its format's in
    :data:`itclusters.presentation.FORMATS` (shares are stored as fractions 0-1 and shown
    as %, so their unit is a %)."""

    code: str
    label: str
    unit: str
    source: str
    #: default map classification: "lq" for every location quotient (classes around 1),
    #: "log_natural_breaks" for shares the two cities would swamp, "grade" for the index
    scheme: str = "quantiles"
    note: str = ""
    #: one sentence for a reader who is not an economist: what the number measures, without
    #: codes or formula numbers (the explorer shows it with :attr:`unit` and :attr:`source`)
    definition: str = ""


INDICATORS: dict[str, Indicator] = {i.code: i for i in (
    Indicator("index", "Index of innovative development (published)", "index, 0–100",
              f"{_ARTICLE}, Table 1", "grade",
              "each year is normalised to its own leader: compare ranks, not levels, across years",
              definition="A score from 0 to 100 that averages six measures of a region's readiness to "
              "innovate (productivity, return on fixed assets, stability of production, "
              "research and innovation spending, innovative output), each as a percentage of "
              "the best region that year."),
    Indicator("grade", "Letter grade (published)", "letter, band of the 0–100 index", f"{_ARTICLE}, Table 1", "grade",
              definition="The article's letter for a region's innovation score, from A (best) through "
              "B+, B, C++ and C+ to C."),
    Indicator("it_production", "IT industrial production", "million KZT", f"{_ARTICLE}, Table 2",
              definition="The value of the information-technology goods and services produced in the "
              "region in the year, at that year's prices."),
    Indicator("ksi", "IT specialisation index, formula (5) (published)", "% of national IT",
              f"{_ARTICLE}, Table 3",
              definition="The region's share of Kazakhstan's whole IT production, as the article printed "
              "it."),
    Indicator("it_share", "IT share, formula (5) recomputed", "% of the regions' IT",
              f"{_ARTICLE}, Table 2; computed",
              definition="The region's share of the IT production of all the regions, worked out again "
              "from the article's production figures."),
    Indicator("ict_share", "Share of national ICT (section J) GVA", "% of national ICT GVA",
              f"{_BNS}; computed", "log_natural_breaks",
              definition="The region's part of the value added by information and communication "
              "(publishing, telecoms, IT services) in the whole country."),
    Indicator("ict_lq", "ICT (section J) location quotient", "LQ, 1 = national",
              f"{_BNS}; computed", "lq", note="region totals are GVA net of FISIM in every year",
              definition="How much more (above 1) or less (below 1) of the region's economy is "
              "information and communication than in the country as a whole."),
    Indicator("krugman", "Krugman specialisation index (GVA, 11 sections)",
              "0 = national structure, 2 = disjoint",
              f"{_BNS}; computed",
              note="on the 11 sections comparable over 2010–2016 (I, K, M–S merged into other "
                   "services), so that years can be compared; GVA net of FISIM in every year",
              definition="How different the mix of industries in the region is from the country's mix: 0 "
              "means the same mix, 2 means no industry in common."),
    Indicator("labour_productivity", "Labour productivity (GRP per employed person)",
              "thousand KZT per employed person", f"{_BNS}; computed",
              definition="The region's gross product divided by the number of people in work: the value "
              "the average worker produces in a year."),
    Indicator("grp_per_capita", "GRP per capita", "thousand KZT per person", _BNS,
              definition="The region's gross product divided by its population: the value produced in "
              "the year for each inhabitant."),
    # computed by user_panel() from the user's own raw indicators
    Indicator("your_index", "Your index of innovative development, formulas (1)-(4)",
              "index, 0–100",
              "your indicators, computed", "grade",
              "each year is normalised to its own leader: compare ranks, not levels, across years",
              definition="Your own score from 0 to 100: the average of your six indicators, each as a "
              "percentage of the best region that year."),
    Indicator("your_grade", "Your letter grade (inferred scale)", "letter, band of the 0–100 index",
              "your indicators, computed", "grade",
              definition="A letter for your own score, on the letter bands read off the article's "
              "published scores."),
    Indicator("your_susceptibility", "Your innovative susceptibility, formula (2)",
              "sub-index, 0–100", "your indicators, computed",
              definition="The average of your three economic-base indicators (productivity, return on "
              "fixed assets, stability of production), each as a percentage of the best "
              "region that year."),
    Indicator("your_activity", "Your innovative activity, formula (3)", "sub-index, 0–100",
              "your indicators, computed",
              definition="The average of your three innovation indicators (research spending, innovation "
              "spending, innovative output), each as a percentage of the best region that "
              "year."),
)}
#: Columns :func:`user_panel` adds, and the column of the index result each one comes from.
USER_COLUMNS = {"your_index": "index", "your_grade": "grade",
                "your_susceptibility": "susceptibility", "your_activity": "activity"}

# 2010 to the latest year, on each year's layout or harmonised (itclusters.today; in the explorer
# with ``itc.explorer(panel=itclusters.today.explorer_panel())``)
_SDG = f"{_BNS}, SDG platform"
INDICATORS.update({i.code: i for i in (
    Indicator("ict_lq_grp", "ICT (section J) location quotient against GRP",
              "LQ, 1 = national", f"{_BNS}; computed", "lq",
              note="ICT share of the region's GRP over the national one: GRP stands in for the "
                   "total GVA, which the 2010–2025 tables do not give by region (notebook 06 "
                   "keeps the sum-of-sections LQ for 2010–2016)",
              definition="How much more (above 1) or less (below 1) of the region's output is "
              "information and communication than in the country, measured against gross "
              "regional product."),
    Indicator("ict_growth", "ICT GVA growth on the previous year (nominal)", "% a year",
              f"{_BNS}; computed", note="current prices: inflation included",
              definition="How much the value added by information and communication in the region grew "
              "on the year before, at current prices (so inflation is included)."),
    Indicator("manufacturing_share", "Manufacturing (section C) share of GRP", "% of GRP",
              f"{_BNS}; computed",
              definition="The part of the region's gross product that is made by manufacturing."),
    Indicator("rd_intensity", "R&D expenditure as % of GRP (SDG 9.5.1)", "% of GRP", _SDG,
              note="full precision 2010–2016, two decimals from 2017",
              definition="Spending on research and development in the region, as a percentage of the "
              "region's gross product."),
    Indicator("rd_per_employed", "R&D expenditure per employed person (the article's R&D indicator)",
              "KZT per employed person", "Bureau of National Statistics: SDG 9.5.1, GRP, "
              "employment; computed",
              note="9.5.1 × GRP ÷ employment; full precision 2010–2016, two decimals from 2017",
              definition="Spending on research and development in the region, divided by the number of "
              "people in work there."),
    Indicator("researchers_per_million", "Researchers (FTE) per million inhabitants (SDG 9.5.2)",
              "per million inhabitants", _SDG,
              note="units merged by harmonising are weighted by average population",
              definition="Researchers (counted as full-time equivalents) working in the region, for "
              "every million inhabitants."),
    Indicator("internet_users", "Individuals using the Internet (SDG 17.8.1)", "% of individuals",
              _SDG, note="units merged by harmonising are weighted by average population",
              definition="The share of the region's people who used the internet."),
)})


def indicator_panel() -> pd.DataFrame:
    """All indicators of :data:`INDICATORS` as one frame indexed by ``(region_id, year)``.

    >>> panel = indicator_panel()
    >>> sorted(available_years(panel, "index"))
    [2010, 2016]
    >>> round(float(panel.loc[("almaty_city", 2016), "ict_share"]), 3)
    0.505
    """
    t1, t2, t3 = paper_table(1), paper_table(2), paper_table(3)
    columns = {
        "index": t1["index"],
        "grade": t1["grade"].astype(object),
        "it_production": t2["it_production"],
        "ksi": t3["ksi"],
    }
    shares = [it_share(t2["it_production"].xs(y, level="year")).to_frame().assign(year=y)
              for y in sorted(t2.index.get_level_values("year").unique())]
    columns["it_share"] = pd.concat(shares).set_index("year", append=True)["it_share"]
    official = []
    for year in range(2010, 2017):
        # one sector list for every year: the 2014 split of the services would otherwise move
        # the Krugman index by itself (section J, hence its share and LQ, is the same either way)
        matrix = sector_matrix(year, sectors="consistent")
        official.append(pd.DataFrame({
            "ict_share": sector_share(matrix)["J"],
            "ict_lq": location_quotient(matrix)["J"],
            "krugman": krugman_index(matrix),
        }).assign(year=year).set_index("year", append=True))
    official = pd.concat(official)
    for column in official.columns:
        columns[column] = official[column]
    grp = official_series("grp")["value"]
    employed = official_series("employed_population")["value"]
    columns["labour_productivity"] = (grp / employed).dropna()  # million / thousand = thousand
    columns["grp_per_capita"] = official_series("grp_per_capita")["value"]
    for name, series in columns.items():
        series.index = series.index.set_names(["region_id", "year"])
    panel = pd.concat(columns, axis=1)
    years = sorted(panel.index.get_level_values("year").unique())
    full = pd.MultiIndex.from_product([list(REGION_IDS), years], names=["region_id", "year"])
    panel = panel.reindex(full)
    panel.attrs["indicators"] = INDICATORS
    return panel


def user_panel(raw: pd.DataFrame, metadata: pd.DataFrame | None = None,
               panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """The suite's panel with the user's own index added, for the explorer and the maps.

    ``raw`` is a table of raw indicators (e.g. from :func:`~itclusters.read_indicators`);
    formulas (1)-(4) give the columns of :data:`USER_COLUMNS`.  The years are the union of the
    suite's and the user's, each column missing where its source has no value; each year keeps
    its own units (a table on the 20 units of 2023 stays on those 20 units).

    >>> from itclusters import REGION_IDS
    >>> idx = pd.MultiIndex.from_product([list(REGION_IDS), [2017]], names=["region_id", "year"])
    >>> raw = pd.DataFrame({c: range(1, 17) for c in ["J_A", "J_B", "J_C", "J_D", "J_E", "J_F"]},
    ...                    index=idx)
    >>> both = user_panel(raw)
    >>> available_years(both, "your_index"), float(both.loc[("almaty_city", 2017), "your_index"])
    ([2017], 100.0)
    """
    from .indices import grade, innovation_index

    index = innovation_index(raw, metadata)
    index["grade"] = grade(index["index"])
    yours = pd.DataFrame({column: index[source] for column, source in USER_COLUMNS.items()})
    base = indicator_panel() if panel is None else panel
    full = base.index.union(yours.index).set_names(["region_id", "year"])
    combined = base.reindex(full).join(yours.reindex(full))
    combined.attrs["indicators"] = INDICATORS
    return combined


def available_years(panel: pd.DataFrame, code: str) -> list[int]:
    """Years in which at least one region has a value of ``code``."""
    if code not in panel.columns:
        raise ValueError(f"unknown indicator {code!r}; available: {', '.join(panel.columns)}")
    column = panel[code].dropna()
    return sorted(int(y) for y in column.index.get_level_values("year").unique())


#: The open-data composite: which official ratio stands where, and what it is not.
OPEN_DATA_INDICATORS = pd.DataFrame([
    ("OD_PRODUCTIVITY", "labour productivity (GRP per employed person)", "susceptibility",
     "thousand KZT per employed person",
     "the article's labour productivity (same definition; BNS data)"),
    ("OD_GRP_PER_CAPITA", "GRP per capita", "susceptibility", "thousand KZT per person",
     "not in the article: stands in for its stability of production and return on fixed "
     "assets (economic base), which have no open data"),
    ("OD_ICT_INTENSITY", "ICT (section J) share of the region's GVA", "activity",
     "% of the region's GVA",
     "not in the article: IT activity, standing in for its R&D spending, technological-"
     "innovation spending and innovative output, which have no open data"),
    ("OD_INVESTMENT", "investment in fixed capital per employed person", "activity",
     "thousand KZT per employed person",
     "not the article's technological-innovation spending per employed person: all fixed "
     "investment"),
], columns=["code", "name", "parent", "unit", "relation_to_article"]).set_index("code")


def open_data_indicators() -> tuple[pd.DataFrame, pd.DataFrame]:
    """An open-data composite in the article's two-group form, on official statistics only.

    Returns the raw table (indexed by ``(region_id, year)``, years where every series exists:
    2010-2014 and 2016, since employment for 2015 is missing and is not filled in) and its
    metadata for :func:`~itclusters.indices.innovation_index`.  Only labour productivity is one
    of the article's six indicators; :data:`OPEN_DATA_INDICATORS` says what each column is and
    is not.
    """
    from .indices import default_metadata

    grp = official_series("grp")["value"]
    employed = official_series("employed_population")["value"]
    investment = official_series("fixed_capital_investment")["value"]
    shares = []
    for year in range(2010, 2017):
        matrix = sector_matrix(year, sectors="consistent")
        shares.append((matrix["J"] / matrix.sum(axis=1)).rename(year))
    ict = pd.concat(shares, axis=1).stack()
    ict.index = ict.index.set_names(["region_id", "year"])
    raw = pd.DataFrame({
        "OD_PRODUCTIVITY": grp / employed,                 # million / thousand = thousand KZT
        "OD_GRP_PER_CAPITA": official_series("grp_per_capita")["value"],
        "OD_ICT_INTENSITY": ict,
        "OD_INVESTMENT": investment / employed,
    }).dropna()
    years = raw.groupby(level="year").size()
    raw = raw[raw.index.get_level_values("year").isin(years[years == len(REGION_IDS)].index)]
    base = default_metadata()
    groups = base[base["level"] != "indicator"]
    leaves = OPEN_DATA_INDICATORS.assign(level="indicator", weight=1.0, direction=1,
                                         nonnegative=True)[["name", "level", "parent", "unit",
                                                             "weight", "direction", "nonnegative"]]
    metadata = pd.concat([leaves, groups[leaves.columns]])
    return raw.sort_index(), metadata
