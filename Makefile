# The project's two set-up commands are `make run` and `make test`; the rest are tools.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
DB ?= data/dashboard.duckdb
PORT ?= 8501
SAMPLE := data/measures.csv data/deliverables.csv data/budget.csv
POLICE_UK ?= ../shared/police-uk

.PHONY: run test install install-dev browser load police-uk-sample spc exceptions pack bench clean

$(PY):
	python3 -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(PIP) install --quiet -r requirements.txt 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import streamlit, duckdb, pandas, plotly" && touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import pytest, hypothesis, playwright" && touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Debian's Chromium for chart export and the browser test (installed when we may; else says what to install)
browser:
	@bash scripts/ensure_chromium.sh

## Load the sample extracts (and the committed data.police.uk monthly counts) into $(DB)
load: install
	$(PY) -m loaders $(wildcard data/*.csv) --db $(DB)

## Regenerate data/measures_police_uk.csv and data/series_police_uk.csv from the data.police.uk
## street-level files in $(POLICE_UK), and load them into $(DB)
police-uk-sample: install
	$(PY) -m loaders.police_uk $(POLICE_UK) --extracts-out data --db $(DB)

## SPC (XmR) table of one measure's monthly series, as CSV on stdout:
## make spc MEASURE="Measure name" [AREA=Force] [FIX_AFTER=N] [DB=FILE]
spc: install
	@test -n "$(MEASURE)" || { echo 'usage: make spc MEASURE="Measure name" [AREA=Force] [FIX_AFTER=N] [DB=FILE]' >&2; exit 2; }
	@$(PY) -m dashboard.spc --measure "$(MEASURE)" --area "$(or $(AREA),Force)" --db "$(DB)" $(if $(FIX_AFTER),--fix-after $(FIX_AFTER))

## Exceptions the published rules detect for one report month, as CSV: make exceptions PERIOD=YYYY-MM [DB=FILE]
exceptions: install
	@test -n "$(PERIOD)" || { echo 'usage: make exceptions PERIOD=YYYY-MM [DB=FILE]' >&2; exit 2; }
	@$(PY) -m dashboard.detection --period "$(PERIOD)" --db "$(DB)"

## The panel pack (Word + ZIP of charts and tables) for one report month:
## make pack PERIOD=YYYY-MM OUT=DIR [DB=FILE]; a DB that does not exist yet gets the sample loaded first
pack: install browser
	@test -n "$(PERIOD)" || { echo 'usage: make pack PERIOD=YYYY-MM OUT=DIR [DB=FILE]' >&2; exit 2; }
	@test -n "$(OUT)" || { echo 'usage: make pack PERIOD=YYYY-MM OUT=DIR [DB=FILE]' >&2; exit 2; }
	@test -f "$(DB)" || $(MAKE) --no-print-directory load DB="$(DB)"
	$(PY) -m dashboard.pack --period "$(PERIOD)" --out "$(OUT)" --db "$(DB)"

run: install browser load
	DASHBOARD_DB=$(DB) $(PY) -m streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

test: install-dev browser
	$(PY) -m pytest -q

## Print speed figures: every script in benchmarks/ (pages, loader, SPC, export, ...)
bench: install-dev browser
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) data/*.duckdb data/*.duckdb.wal
