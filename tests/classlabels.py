"""Reading a map's class labels and a table's printed values back as intervals, written apart
from the library's own code so that the tests check its labels, not repeat them.

A label is one of "< a", "a – < b", "≥ a" (Eurostat's manner), "a – b" or "a" (a map with
one class); a trailing " %" or a note in brackets ("(≈ 1, national)") is allowed.  A printed
value is a number, or "< 0.01 %" / "> −0.01" for one too small to print.
"""
from __future__ import annotations

import math
import re

_NUMBER = r"[−-]?\d[\d,]*(?:\.\d+)?"
_SUFFIX = r"(?:\u202f%)?"
_NOTE = r"(?: \([^)]*\))?"
_FORMS = {
    "below": re.compile(rf"< (?P<b>{_NUMBER}){_SUFFIX}{_NOTE}"),
    "between": re.compile(rf"(?P<a>{_NUMBER}){_SUFFIX} – < (?P<b>{_NUMBER}){_SUFFIX}{_NOTE}"),
    "from": re.compile(rf"≥ (?P<a>{_NUMBER}){_SUFFIX}{_NOTE}"),
    "range": re.compile(rf"(?P<a>{_NUMBER}){_SUFFIX} – (?P<b>{_NUMBER}){_SUFFIX}{_NOTE}"),
    "one": re.compile(rf"(?P<a>{_NUMBER}){_SUFFIX}{_NOTE}"),
}


def number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


def decimals(text: str) -> int:
    match = re.search(r"\.(\d+)", text)
    return len(match.group(1)) if match else 0


def interval(label: str) -> tuple[float, bool, float, bool]:
    """``(low, low_closed, high, high_closed)`` of a class label; ``ValueError`` if it reads
    in none of the allowed forms (for example "0.15 – 0.19" beside "0.19 – 0.80")."""
    for form, pattern in _FORMS.items():
        match = pattern.fullmatch(label)
        if match is None:
            continue
        if form == "below":
            return -math.inf, False, number(match["b"]), False
        if form == "between":
            return number(match["a"]), True, number(match["b"]), False
        if form == "from":
            return number(match["a"]), True, math.inf, False
        if form == "range":
            return number(match["a"]), True, number(match["b"]), True
        return number(match["a"]), True, number(match["a"]), True
    raise ValueError(f"class label {label!r} reads in none of the forms '< a', 'a – < b', "
                     "'≥ a', 'a – b', 'a'")


def printed(text: str) -> tuple[float, bool, float, bool]:
    """A printed value as an interval: "1.25" is [1.25, 1.25]; "< 0.01 %" is (0, 0.01)."""
    text = text.replace("\u202f%", "").replace("+", "")
    if text.startswith("< "):
        return 0.0, False, number(text[2:]), False
    if text.startswith("> "):
        return number(text[2:]), False, 0.0, False
    value = number(text)
    return value, True, value, True


def reads_inside(value_text: str, label: str) -> bool:
    """Whether a value printed as ``value_text`` can lie in the class ``label``."""
    lo, lo_closed, hi, hi_closed = interval(label)
    v_lo, v_lo_closed, v_hi, v_hi_closed = printed(value_text)
    above_low = v_hi > lo or (v_hi == lo and lo_closed and v_hi_closed)
    below_high = v_lo < hi or (v_lo == hi and hi_closed and v_lo_closed)
    return above_low and below_high


def disjoint_and_ordered(labels: list[str]) -> bool:
    """Each class starts where the one before ends, and no value can read in two of them."""
    spans = [interval(label) for label in labels]
    for (_, _, hi, hi_closed), (lo, lo_closed, _, _) in zip(spans, spans[1:]):
        if hi != lo or (hi_closed and lo_closed):
            return False
    return True
