"""The figures `make bench` prints: each a ratio measured side by side in one run, with its goal.

Every benchmark returns its `Figure`s; `benchmarks/run.py` prints them as they come and ends
with one summary line, so a reader (or CI) sees at a glance which goals are met.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_COMPARE: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}


@dataclass(frozen=True)
class Figure:
    """One measured ratio: `value` must be `compare` (<= or >=) `goal`."""

    name: str
    value: float
    compare: str
    goal: float
    detail: str = ""  # what was measured, in a few words: the two sides of the ratio

    @property
    def met(self) -> bool:
        return _COMPARE[self.compare](self.value, self.goal)

    def line(self) -> str:
        verdict = "met" if self.met else "NOT MET"
        detail = f" ({self.detail})" if self.detail else ""
        goal = f"goal {self.compare} {self.goal:g}"
        return f"  => {self.name}: {self.value:.2f} ({goal}): {verdict}{detail}"


def summary(figures: Iterable[Figure]) -> str:
    figures = list(figures)
    missed = [figure.name for figure in figures if not figure.met]
    line = f"summary: {len(figures) - len(missed)} of {len(figures)} goals met"
    return line + (f"; not met: {', '.join(missed)}" if missed else "")
