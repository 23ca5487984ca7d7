"""Validation of notebook parameters: stop early with a message a person can act on."""
from __future__ import annotations

from typing import Iterable

__all__ = ["ParameterError", "check_choice", "check_range"]


class ParameterError(ValueError):
    """A notebook parameter outside what the notebook can do."""


def check_choice(name: str, value, allowed: Iterable, what: str = "") -> None:
    """Raise :class:`ParameterError` unless ``value`` is one of ``allowed``.

    >>> check_choice("year", 2016, [2010, 2016], "innovation index")
    >>> check_choice("year", 2013, [2010, 2016], "innovation index")
    Traceback (most recent call last):
    ...
    itclusters.parameters.ParameterError: year 2013 has no innovation index; available: 2010, 2016
    """
    allowed = list(allowed)
    if value not in allowed:
        has = f"has no {what}" if what else "is not available"
        listing = ", ".join(str(a) for a in allowed)
        shown = repr(value) if isinstance(value, str) else str(value)
        raise ParameterError(f"{name} {shown} {has}; available: {listing}")


def check_range(name: str, value: float, low: float, high: float) -> None:
    """Raise :class:`ParameterError` unless ``low <= value <= high``.

    >>> check_range("share_threshold", 1.5, 0, 1)
    Traceback (most recent call last):
    ...
    itclusters.parameters.ParameterError: share_threshold 1.5 is outside [0, 1]
    """
    if not isinstance(value, (int, float)) or not low <= value <= high:
        raise ParameterError(f"{name} {value!r} is outside [{low}, {high}]")
