"""Validation of notebook parameters: stop early with a message a person can act on.

Every message has one shape, ``<name> <value> <what is wrong>; <what is allowed>``, e.g.
``year 2013 has no innovation index; available: 2010, 2016``.  A notebook's validation cell
calls one check per parameter, right after the ``parameters`` cell, before any work.  Values
arrive from papermill's ``-p`` as Python literals or as text (``-p seed abc`` gives the string
``'abc'``), so each check looks at the type first, then the range.
"""
from __future__ import annotations

import math
import numbers
from pathlib import Path
from typing import Iterable, Sequence

__all__ = ["ParameterError", "check_choice", "check_range", "check_int", "check_float",
           "check_file", "SEED_MAX"]

#: Largest seed accepted (NumPy's legacy seeding takes 32-bit seeds).
SEED_MAX = 2**32 - 1


class ParameterError(ValueError):
    """A notebook parameter outside what the notebook can do."""


def _shown(value) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _is_whole(value) -> bool:
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool))


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_choice(name: str, value, allowed: Iterable, what: str = "") -> None:
    """Raise :class:`ParameterError` unless ``value`` is one of ``allowed``.

    A choice among whole numbers (years) takes only a whole number: ``2016.0`` and ``True``
    are refused rather than silently taken for ``2016`` and ``1``.

    >>> check_choice("year", 2016, [2010, 2016], "innovation index")
    >>> check_choice("year", 2013, [2010, 2016], "innovation index")
    Traceback (most recent call last):
    ...
    itclusters.parameters.ParameterError: year 2013 has no innovation index; available: 2010, 2016
    >>> check_choice("year", "2016", [2010, 2016], "innovation index")
    Traceback (most recent call last):
    ...
    itclusters.parameters.ParameterError: year '2016' is not a whole number; available: 2010, 2016
    """
    allowed = list(allowed)
    listing = ", ".join(str(a) for a in allowed)
    if allowed and all(_is_whole(a) for a in allowed) and not _is_whole(value):
        raise ParameterError(f"{name} {_shown(value)} is not a whole number; available: {listing}")
    if allowed and all(isinstance(a, str) for a in allowed) and not isinstance(value, str):
        raise ParameterError(f"{name} {_shown(value)} is not a text; available: {listing}")
    try:
        ok = value in allowed
    except TypeError:  # e.g. an unhashable value compared with strange members
        ok = False
    if not ok:
        has = f"has no {what}" if what else "is not available"
        raise ParameterError(f"{name} {_shown(value)} {has}; available: {listing}")


def check_range(name: str, value: float, low: float, high: float) -> None:
    """Raise :class:`ParameterError` unless ``value`` is a number with ``low <= value <= high``.

    >>> check_range("share_threshold", 1.5, 0, 1)
    Traceback (most recent call last):
    ...
    itclusters.parameters.ParameterError: share_threshold 1.5 is outside [0, 1]
    """
    check_float(name, value, low, high)


def check_float(name: str, value, low: float, high: float, low_exclusive: bool = False) -> None:
    """A real number within ``[low, high]`` (whole numbers count; text, NaN and ``True`` do not).

    ``low_exclusive=True`` refuses ``low`` itself, for a value that must lie above another (a
    grade cut above the previous cut).

    >>> check_float("alpha", 0.05, 0.001, 0.5)
    >>> check_float("alpha", "0.05", 0.001, 0.5)
    Traceback (most recent call last):
    ...
    itclusters.parameters.ParameterError: alpha '0.05' is not a number; allowed: a number in [0.001, 0.5]
    >>> check_float("a_from", 50.0, 50.0, 100.0, low_exclusive=True)
    Traceback (most recent call last):
    ...
    itclusters.parameters.ParameterError: a_from 50.0 is outside (50.0, 100.0]; allowed: a number above 50.0 and at most 100.0
    """
    if low_exclusive:
        interval, allowed = f"({low}, {high}]", f"a number above {low} and at most {high}"
    else:
        interval, allowed = f"[{low}, {high}]", f"a number in [{low}, {high}]"
    if not _is_real(value) or math.isnan(value):
        raise ParameterError(f"{name} {_shown(value)} is not a number; allowed: {allowed}")
    if not (low < value <= high if low_exclusive else low <= value <= high):
        suffix = f"; allowed: {allowed}" if low_exclusive else ""
        raise ParameterError(f"{name} {_shown(value)} is outside {interval}{suffix}")


def check_int(name: str, value, low: int, high: int) -> None:
    """A whole number within ``[low, high]``: ``2.5``, ``99.5``, ``'abc'`` and ``True`` are refused.

    >>> check_int("draws", 10000, 1, 1_000_000)
    >>> check_int("draws", 2.5, 1, 1_000_000)
    Traceback (most recent call last):
    ...
    itclusters.parameters.ParameterError: draws 2.5 is not a whole number; allowed: a whole number from 1 to 1,000,000
    >>> check_int("seed", -1, 0, SEED_MAX)
    Traceback (most recent call last):
    ...
    itclusters.parameters.ParameterError: seed -1 is outside [0, 4294967295]; allowed: a whole number from 0 to 4,294,967,295
    """
    allowed = f"allowed: a whole number from {low:,} to {high:,}"
    if not _is_whole(value):
        raise ParameterError(f"{name} {_shown(value)} is not a whole number; {allowed}")
    if not low <= value <= high:
        raise ParameterError(f"{name} {_shown(value)} is outside [{low}, {high}]; {allowed}")


def check_file(name: str, value, suffixes: Sequence[str], optional: bool = True) -> None:
    """A path to an existing file with one of ``suffixes`` (or ``""`` when ``optional``).

    A relative path is looked up from the notebook's working directory.

    >>> check_file("indicators_file", "", (".csv", ".xlsx"))
    >>> check_file("indicators_file", 12345, (".csv", ".xlsx"))
    Traceback (most recent call last):
    ...
    itclusters.parameters.ParameterError: indicators_file 12345 is not a file name; allowed: a path to a .csv or .xlsx file, or "" for none
    """
    kinds = " or ".join(suffixes)
    allowed = f"allowed: a path to a {kinds} file" + (', or "" for none' if optional else "")
    if not isinstance(value, str):
        raise ParameterError(f"{name} {_shown(value)} is not a file name; {allowed}")
    if value == "" and optional:
        return
    if value.strip() == "" or "\x00" in value:
        raise ParameterError(f"{name} {_shown(value)} is not a file name; {allowed}")
    path = Path(value).expanduser()
    if path.suffix.lower() not in [s.lower() for s in suffixes]:
        raise ParameterError(f"{name} {_shown(value)} is not a {kinds} file; {allowed}")
    try:
        exists, folder = path.exists(), path.is_dir()
    except OSError:  # e.g. a name too long for the file system
        exists, folder = False, False
    if folder:
        raise ParameterError(f"{name} {_shown(value)} is a folder; {allowed}")
    if not exists:
        raise ParameterError(f"{name} {_shown(value)} does not exist (looked in "
                             f"{Path.cwd()}); {allowed}")
