"""CSV extracts in, DuckDB out: read, check and load all or nothing (docs/EXTRACTS.md)."""

from loaders.contract import LoadIssue
from loaders.load import FileReport, LoadReport, load_extracts, validate_extracts

__all__ = ["FileReport", "LoadIssue", "LoadReport", "load_extracts", "validate_extracts"]
