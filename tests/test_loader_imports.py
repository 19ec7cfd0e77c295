"""The loader's command line starts without the app's libraries: it does not use them, and
importing pandas alone took about half a second of every `python -m loaders` run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Libraries the dashboard uses and the loader does not.
NOT_FOR_THE_LOADER = ("pandas", "plotly", "streamlit", "pyarrow")

#: Runs the command line's main() in this interpreter, then prints which of those it imported.
PROBE = """
import json, sys
from loaders.__main__ import main
try:
    status = main(sys.argv[2:])
except SystemExit as exit:
    status = exit.code
names = json.loads(sys.argv[1])
print(json.dumps({"status": status, "imported": sorted({m.split('.')[0] for m in sys.modules} & set(names))}))
"""


def run_loader(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(NOT_FOR_THE_LOADER), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_imports_none_of_the_apps_libraries() -> None:
    found = run_loader("--help")
    assert found == {"status": 0, "imported": []}


def test_numpy_is_imported_only_to_count_a_series_files_records(tmp_path: Path) -> None:
    """numpy counts a series file's records (loaders.reading.count_records); a command that
    reads none, such as --help or a load of a measures file alone, does not import it."""
    def imported_numpy(*args: str) -> bool:
        probe = PROBE.replace("json.loads(sys.argv[1])", "['numpy']")
        done = subprocess.run([sys.executable, "-c", probe, "[]", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])["imported"] == ["numpy"]

    measures = ROOT / "data" / "measures.csv"
    series = sorted((ROOT / "data").glob("series*.csv"))[0]
    assert not imported_numpy("--help")
    assert not imported_numpy(str(measures), "--db", str(tmp_path / "a.duckdb"))
    assert imported_numpy(str(measures), str(series), "--db", str(tmp_path / "b.duckdb"))


def test_a_load_of_every_kind_of_file_imports_none_of_them(tmp_path: Path) -> None:
    """The sample extracts (every file kind, a series file among them), loaded then checked."""
    db = tmp_path / "db.duckdb"
    data = sorted(str(p) for p in (ROOT / "data").glob("*.csv"))
    assert any(Path(p).name.startswith("series") for p in data)
    assert run_loader(*data, "--db", str(db)) == {"status": 0, "imported": []}
    assert run_loader("--check", *data, "--db", str(db)) == {"status": 0, "imported": []}
    assert run_loader("--versions", "--db", str(db)) == {"status": 0, "imported": []}


def test_the_probe_would_see_pandas_if_it_were_imported(tmp_path: Path) -> None:
    """The check can fail: a load whose issues become the Data page's frame does import it."""
    probe = PROBE.replace("status = main(sys.argv[2:])",
                          "from loaders.load import load_extracts\n    load_extracts(sys.argv[2:3], sys.argv[3]).issues_frame()\n    status = 0")
    bad = tmp_path / "measures.csv"
    bad.write_text("period,theme,measure,polarity\n2019-13,T,M,up\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", probe, json.dumps(NOT_FOR_THE_LOADER), str(bad), str(tmp_path / "db.duckdb")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "pandas" in json.loads(done.stdout.strip().splitlines()[-1])["imported"]
