"""The article's identification step: regions strong on both assessments are candidates.

The article reads the innovation-index ranking and the IT-specialisation ranking side by
side.  Here the reading is explicit: a region is a candidate when its index and its IT
specialisation both reach a threshold.  The article calls the regions it prints as "—"
"outsiders"; a "—" is a missing value (West-Kazakhstan is "—" in 2016 after 739 million KZT
in 2015), so such a region is classed as having no data, never as having no IT.
"""
from __future__ import annotations

import pandas as pd

__all__ = ["QUADRANTS", "QUADRANT_COLOURS", "ARTICLE_CONCLUSION", "cluster_candidates"]

#: The regions the article concludes on (its section 4 and conclusions), for comparison only:
#: the notebooks derive their candidates from the data and print whether they agree.
ARTICLE_CONCLUSION = {2016: ("almaty_city", "astana")}

#: The groups a region with values on both assessments can fall in.  A region missing on
#: either has no group (NaN): maps hatch it as "no data".
QUADRANTS = ("candidate", "innovative, little IT", "IT, less innovative", "neither")
#: Map colours of the groups: candidates stand out.
QUADRANT_COLOURS = dict(zip(QUADRANTS, ("#d7301f", "#fdae6b", "#6baed6", "#f0f0f0")))


def cluster_candidates(index: pd.Series, specialisation: pd.Series, *, index_threshold: float,
                       share_threshold: float) -> pd.DataFrame:
    """Classify regions by the two assessments of one year.

    Parameters
    ----------
    index : Series
        Index of innovative development per region (formula 4), 0-100.
    specialisation : Series
        IT specialisation per region (formula 5, a share of the national total); missing
        (the article's "—") means not known, not zero.
    index_threshold, share_threshold : float
        A region is high on an assessment when it reaches the threshold (``>=``).

    Returns
    -------
    DataFrame
        ``index``, ``specialisation``, ``high_index``, ``high_specialisation`` and
        ``group`` (one of :data:`QUADRANTS`; missing where either value is missing, and
        then ``high_*`` of a missing value is missing too), sorted candidates first and the
        regions without data last.

    Examples
    --------
    >>> out = cluster_candidates(pd.Series({"a": 70.0, "b": 20.0, "c": 60.0}),
    ...                          pd.Series({"a": 0.5, "b": 0.3, "c": None}),
    ...                          index_threshold=50, share_threshold=0.1)
    >>> out["group"].to_dict()
    {'a': 'candidate', 'b': 'IT, less innovative', 'c': nan}
    """
    frame = pd.DataFrame({"index": index.astype(float), "specialisation": specialisation.astype(float)})
    known = frame["index"].notna() & frame["specialisation"].notna()
    frame["high_index"] = (frame["index"] >= index_threshold).astype("boolean")
    frame.loc[frame["index"].isna(), "high_index"] = pd.NA
    frame["high_specialisation"] = (frame["specialisation"] >= share_threshold).astype("boolean")
    frame.loc[frame["specialisation"].isna(), "high_specialisation"] = pd.NA
    high_i = frame["high_index"].eq(True)
    high_s = frame["high_specialisation"].eq(True)
    group = pd.Series("neither", index=frame.index, dtype=object)
    group[high_i & ~high_s] = "innovative, little IT"
    group[~high_i & high_s] = "IT, less innovative"
    group[high_i & high_s] = "candidate"
    frame["group"] = group.where(known)  # a "—" is no data, never a group
    order = {q: i for i, q in enumerate(QUADRANTS)}
    return frame.sort_values(["group", "index"],
                             key=lambda s: s.map(order).fillna(len(QUADRANTS))
                             if s.name == "group" else -s, kind="stable")
