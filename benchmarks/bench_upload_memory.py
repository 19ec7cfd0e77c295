"""How much memory the app's process holds for an upload: the load in-process against the child.

The Data page hands an upload to `dashboard.loads.load_uploads`, which runs the loader as a
child process. This prints, for the same series extract (near the 50 MB upload cap), the peak
resident memory of a process that

- only imports the app's modules and holds the upload's bytes (the anchor: the least any
  upload path can hold);
- loads it the way the app did before, in its own process (`load_extracts`);
- loads it the way the app does now (`load_uploads`: bytes written out, loader in a child);

and the two ratios to the anchor. Each measurement is a fresh process, so the peaks are not
mixed. Aim: the app's process holds about what the anchor holds, taken as within a tenth of it
(at most 1.10x). Ends with MET or MISSED (benchmarks/aims.py) and exits 1 when it is missed.

    .venv/bin/python benchmarks/bench_upload_memory.py [ROWS]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_loader import write_extracts  # noqa: E402

from benchmarks.aims import Aims, against_anchor  # noqa: E402

#: "About what the anchor holds": the app's process peak within a tenth of the anchor's.
MEMORY_AIM = 1.10

PRELUDE = """
import resource, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from dashboard import loads
from loaders.load import load_extracts
from loaders.provenance import Actor, UPLOAD
files = [Path(p) for p in {files!r}]
uploads = [(p.name, p.read_bytes()) for p in files]
db = Path({db!r})
"""
ANCHOR = "anchor: modules and the upload's bytes"
NOW = "load in a child process (now)"
WAYS = {
    ANCHOR: "pass",
    "load in the app's process (before)": "assert load_extracts(files, db).ok",
    NOW: "assert loads.load_uploads(uploads, db, Actor('bench', UPLOAD)).ok",
}
REPORT = "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"  # KiB on Linux; this process only


def peak_kib(code: str, files: list[Path], db: Path) -> int:
    script = textwrap.dedent(PRELUDE.format(root=str(ROOT), files=[str(f) for f in files], db=str(db)))
    done = subprocess.run([sys.executable, "-c", script + code + "\n" + REPORT],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return int(done.stdout.strip().splitlines()[-1])


def mb(kib: float) -> str:
    return f"{kib / 1024:.0f} MB"


def main() -> int:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_300_000
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder:
        files = list(write_extracts(Path(folder), rows))
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        print(f"Upload: {rows:,} series rows, {size_mb:.1f} MB in {len(files)} files; peak resident memory")
        results = {label: peak_kib(code, files, Path(folder) / f"db{number}.duckdb")
                   for number, (label, code) in enumerate(WAYS.items())}
    against_anchor((ANCHOR, results[ANCHOR]), [(label, results[label]) for label in WAYS if label != ANCHOR], fmt=mb)
    aims = Aims()
    aims.at_most("the app's process during an upload, against the anchor", results[NOW] / results[ANCHOR],
                 MEMORY_AIM, fmt=lambda r: f"{r:.2f}x", note=f" ({mb(results[NOW])} against {mb(results[ANCHOR])})")
    return aims.finish()


if __name__ == "__main__":
    sys.exit(main())
