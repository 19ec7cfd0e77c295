"""What every benchmark prints at its end: its figures beside an anchor, and a verdict per aim.

An anchor is the plainest thing the measured code could be compared with, measured in the same
run (DuckDB's own read_csv for the loader, a trivial page for the pages, ...), so a slow or busy
machine shows in the anchor as well. `against_anchor` prints figures side by side with their
ratio to it. `Aims` collects one verdict per aim; `Aims.finish` prints them last, one line
each, and returns the exit status (0 all met, 1 any missed):

    MET   load_extracts speed against DuckDB's read_csv: 0.62x (aim at least 0.50x)
    MISSED warm page run, sample, slowest (Budget): 412 ms = 27.47x the plain page (aim at most
    300 ms = 20.00x the plain page in this run)

An aim stated as a ratio to the anchor is checked as that ratio. An aim stated in absolute
terms is checked as stated; given the anchor it is also shown as a ratio to it. A figure that
could not be measured (NaN) misses its aim.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

Format = Callable[[float], str]
Anchor = tuple[str, float]  # (what it is, e.g. "the plain page", its figure in this run)


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def milliseconds(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def times(value: float) -> str:
    return f"{value:.2f}x"


def ratio(figure: float, anchor: float) -> float:
    """figure / anchor; NaN when the anchor is not a positive number."""
    return figure / anchor if anchor > 0 else float("nan")


def against_anchor(anchor: tuple[str, float], figures: Iterable[tuple[str, float]], fmt: Format = seconds) -> None:
    """The anchor's figure, then each figure beside it with its ratio to the anchor's."""
    rows = list(figures)
    anchor_label, anchor_value = anchor
    width = max(40, *(len(label) for label in [anchor_label, *(label for label, _ in rows)]))  # tables align
    print(f"  {anchor_label:<{width}}  {fmt(anchor_value):>12}  {'anchor':>9}")
    for label, value in rows:
        print(f"  {label:<{width}}  {fmt(value):>12}  {times(ratio(value, anchor_value)):>9}")


@dataclass(frozen=True)
class Verdict:
    aim: str
    met: bool
    measured: str
    target: str

    def line(self) -> str:
        return f"{'MET   ' if self.met else 'MISSED '}{self.aim}: {self.measured} (aim {self.target})"


@dataclass
class Aims:
    verdicts: list[Verdict] = field(default_factory=list)

    def at_most(self, aim: str, measured: float, target: float, fmt: Format = seconds,
                anchor: Anchor | None = None, note: str = "") -> Verdict:
        """Met when `measured` <= `target`."""
        return self._check(aim, measured, operator.le, "at most", target, fmt, anchor, note)

    def at_least(self, aim: str, measured: float, target: float, fmt: Format = times,
                 anchor: Anchor | None = None, note: str = "") -> Verdict:
        """Met when `measured` >= `target`."""
        return self._check(aim, measured, operator.ge, "at least", target, fmt, anchor, note)

    def _check(self, aim: str, measured: float, compare: Callable[[float, float], bool], bound: str,
               target: float, fmt: Format, anchor: Anchor | None, note: str) -> Verdict:
        measured_text, target_text = fmt(measured), f"{bound} {fmt(target)}"
        if anchor is not None:
            name, value = anchor
            measured_text += f" = {times(ratio(measured, value))} {name}"
            target_text += f" = {times(ratio(target, value))} {name} in this run"
        verdict = Verdict(aim, bool(compare(measured, target)), measured_text + note, target_text)
        self.verdicts.append(verdict)
        return verdict

    @property
    def missed(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.met]

    def finish(self) -> int:
        """Print one line per aim; 0 when every aim is met, 1 when any is missed or none was checked."""
        print()
        if not self.verdicts:
            print("MISSED any aim: none was checked")
            return 1
        for verdict in self.verdicts:
            print(verdict.line())
        return 1 if self.missed else 0
