"""Killed mutants per core module, after `mutmut run` (`make mutate`).

Reads mutmut's results (mutants/**/*.py.meta) and the notes on equivalent mutants, where each
surviving mutant that no test can kill is named in backticks with the reason (docs/TESTING.md and
docs/mutants/*.md, a page per module). Prints a line
per module, killed / total and the share, then every survivor not explained there, and every
note that no longer fits: a name no mutant has now (the code changed and mutmut numbers its
mutants afresh) or a mutant a test kills. Exits 1 when a module is below the aim, a survivor is
unexplained or a note is stale, so a new gap or an out-of-date note cannot pass unnoticed.

With module names as arguments (`make mutate MODULES="loaders.values loaders.schema"`, a run
of those modules' mutants alone, for a machine whose working session cannot hold a whole run),
only those modules are judged; the others are listed as not in this run.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parent.parent
AIM = 0.90
#: mutmut's exit codes: the tests failed (1, 3) or the mutant hung past its deadline.
KILLED = {1, 3, 24, -24, 152, 255, 36}
#: Of those, the ones that hung past their deadline (SIGXCPU): listed by name, as a kill that
#: is a slow run rather than a real hang would be a survivor counted wrong.
TIMED_OUT = {24, -24, 152}
#: The test process crashed (SIGSEGV, SIGKILL): no evidence either way, so not a kill. Under
#: mutmut's default `fork` isolation such crashes hid survivors; pyproject.toml uses forkserver.
CRASHED = {-11, -9}
SURVIVED = {0, 5, 33}
EXPLAINED = re.compile(r"`([\w.ǁ]+__mutmut_\d+)`")


def module_of(mutant: str) -> str:
    return mutant.split(".x")[0] if ".x" in mutant else mutant.rsplit(".", 1)[0]


def slow_equivalent(mutant: str, code: int | None, explained: set[str]) -> bool:
    """A mutant named as equivalent whose run was stopped at its deadline: the deadline is a
    multiple of the tests' seconds, and a survivor's run on a loaded machine can pass it, so
    the timeout is no evidence of a kill and the note still stands."""
    return code in TIMED_OUT and mutant in explained


def load_results(mutants_dir: Path) -> dict[str, int | None]:
    results: dict[str, int | None] = {}
    for meta in mutants_dir.rglob("*.py.meta"):
        results.update(json.loads(meta.read_text())["exit_code_by_key"])
    return results


def main(modules: Sequence[str] = ()) -> int:
    mutants_dir = ROOT / "mutants"
    if not mutants_dir.is_dir():
        print("No mutmut results: run `make mutate` first.", file=sys.stderr)
        return 2
    results = load_results(mutants_dir)
    notes = [ROOT / "docs" / "TESTING.md", *sorted((ROOT / "docs" / "mutants").glob("*.md"))]
    explained = {name for page in notes for name in EXPLAINED.findall(page.read_text(encoding="utf-8"))}
    totals, killed, unexplained, unchecked = Counter(), Counter(), [], Counter()
    unknown = sorted(set(modules) - {module_of(mutant) for mutant in results})
    if unknown:
        print(f"No mutants of {', '.join(unknown)}: the modules are {', '.join(sorted(set(map(module_of, results))))}.",
              file=sys.stderr)
        return 2
    skipped = Counter(module_of(m) for m in results if modules and module_of(m) not in modules)
    for mutant, code in sorted(results.items()):
        module = module_of(mutant)
        if module in skipped:
            continue
        totals[module] += 1
        if code in KILLED and not slow_equivalent(mutant, code, explained):
            killed[module] += 1
        elif code is None or code in CRASHED:
            unchecked[module] += 1
        elif mutant not in explained:
            unexplained.append(mutant)
    failed = False
    print(f"{'module':<24} {'killed':>7} {'total':>6} {'share':>7}  (aim {AIM:.0%})")
    for module in sorted(totals):
        share = killed[module] / totals[module]
        verdict = "MET" if share >= AIM and not unchecked[module] else "MISSED"
        failed |= verdict == "MISSED"
        note = f"  {unchecked[module]} not checked or crashed" if unchecked[module] else ""
        print(f"{module:<24} {killed[module]:>7} {totals[module]:>6} {share:>7.1%}  {verdict}{note}")
    for module in sorted(skipped):
        print(f"{module:<24} {'':>7} {skipped[module]:>6} {'':>7}  not in this run")
    timed_out = sorted(m for m, code in results.items() if code in TIMED_OUT and module_of(m) in totals)
    slow = [m for m in timed_out if slow_equivalent(m, results[m], explained)]
    hung = [m for m in timed_out if m not in slow]
    if hung:
        print(f"\n{len(hung)} mutants hung past their deadline (counted as killed):")
        for mutant in hung:
            print(f"  {mutant}")
    if slow:
        print(f"\n{len(slow)} mutants named as equivalent ran past their deadline: a slow run, not a kill "
              "(counted as survivors):")
        for mutant in slow:
            print(f"  {mutant}")
    stale = sorted(name for name in explained
                   if module_of(name) in totals and (name not in results or results[name] in KILLED)
                   and not slow_equivalent(name, results.get(name), explained))
    if stale:
        failed = True
        print(f"\n{len(stale)} notes in docs/mutants/ name a mutant that does not survive (renumbered "
              "after a code change, or killed by a test): correct or remove them:")
        for mutant in stale:
            state = "killed" if mutant in results else "no such mutant"
            print(f"  {mutant} ({state})")
    if unexplained:
        failed = True
        print(f"\n{len(unexplained)} surviving mutants are neither killed nor explained in docs/mutants/ "
              "(see each with `.venv/bin/python -m mutmut show NAME`):")
        for mutant in unexplained:
            print(f"  {mutant}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
