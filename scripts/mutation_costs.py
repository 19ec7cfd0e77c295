"""Where a `make mutate` run's time went, from the line each mutant's run wrote
(mutants/mutmut-runs.jsonl, by tests/mutation_support.py).

Prints per module: the mutants run, their seconds in all, and the mean seconds of a run whose
tests failed (a kill) and of one whose tests all passed (a survivor, which runs every test
covering its function); then the costliest runs. A run cut off at its deadline (a timeout)
writes no line.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from statistics import mean
from typing import Iterable

from mutation_report import module_of

ROOT = Path(__file__).resolve().parent.parent
RUNS_FILE = ROOT / "mutants" / "mutmut-runs.jsonl"
COSTLIEST = 10


def read_runs(path: Path) -> list[dict]:
    """The runs noted, the last of each mutant where one was run again."""
    runs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            run = json.loads(line)
            runs[run["mutant"]] = run
    return list(runs.values())


def summary_lines(runs: Iterable[dict]) -> list[str]:
    by_module: dict[str, list[dict]] = defaultdict(list)
    for run in runs:
        by_module[module_of(run["mutant"])].append(run)
    lines = [f"{'module':<24} {'runs':>6} {'seconds':>9} {'a kill':>8} {'a survivor':>11}"]
    for module, found in sorted(by_module.items()):
        kills = [r["seconds"] for r in found if r["exit"] != 0]
        survivors = [r["seconds"] for r in found if r["exit"] == 0]
        lines.append(f"{module:<24} {len(found):>6} {sum(r['seconds'] for r in found):>9.0f} "
                     f"{mean(kills) if kills else 0:>7.1f}s {mean(survivors) if survivors else 0:>10.1f}s")
    every = [run for found in by_module.values() for run in found]
    lines.append(f"{'all':<24} {len(every):>6} {sum(r['seconds'] for r in every):>9.0f}")
    lines.append(f"\nThe {COSTLIEST} costliest runs (seconds, tests run of those covering, the first to fail):")
    for run in sorted(every, key=lambda r: -r["seconds"])[:COSTLIEST]:
        lines.append(f"  {run['seconds']:7.1f}  {run['ran']:>3}/{run['selected']:<3}  {run['mutant']}  "
                     f"{run['failed'] or 'none failed'}")
    return lines


def main() -> int:
    if not RUNS_FILE.is_file():
        print(f"No {RUNS_FILE.relative_to(ROOT)}: run `make mutate` first.", file=sys.stderr)
        return 2
    print("\n".join(summary_lines(read_runs(RUNS_FILE))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
