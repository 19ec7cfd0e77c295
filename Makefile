# The project's two set-up commands are `make run` and `make test`; the rest are tools.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
DB ?= data/dashboard.duckdb
PORT ?= 8501
SAMPLE := data/measures.csv data/deliverables.csv data/budget.csv
POLICE_UK ?= ../shared/police-uk
WORKERS ?= 2
ADDRESS ?= 127.0.0.1

# Values a user gives (on the command line or in the environment) are text, never make or shell
# syntax. Make expands `$(...)` in such a value wherever it is used, and even to export it to a
# recipe's environment, so each is fixed here exactly as given; recipes then pass it to the shell
# as one single-quoted word with `arg`. (tests/test_makefile.py checks both.)
USER_VARS := DB PERIOD MEASURE AREA FIX_AFTER OUT POLICE_UK PORT MEETING WORKERS ADDRESS
$(foreach var,$(USER_VARS),$(eval override $(var) := $$(value $(var))))
# $(call arg,TEXT): TEXT as one shell word, taken literally: it's -> 'it'\''s'. A newline becomes
# a space: make would run each line of a recipe line holding one as a command of its own.
arg = '$(subst $(newline), ,$(subst ','\'',$(1)))'
define newline


endef

.PHONY: run serve test install install-dev browser office nginx load police-uk-sample spc exceptions pack bench mutate clean

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

## Debian's LibreOffice Writer and poppler-utils for the panel pack's PDF test (installed when we may; else says what to install)
office:
	@bash scripts/ensure_office.sh

## Debian's nginx for make serve and its test (installed when we may; else says what to install)
nginx:
	@bash scripts/ensure_nginx.sh

## Load the sample extracts (and the committed data.police.uk monthly counts) into $(DB)
load: install
	$(PY) -m loaders $(wildcard data/*.csv) --db $(call arg,$(DB))

## Regenerate data/measures_police_uk.csv and data/series_police_uk.csv from the data.police.uk
## street-level files in $(POLICE_UK), and load them into $(DB)
police-uk-sample: install
	$(PY) -m loaders.police_uk $(call arg,$(POLICE_UK)) --extracts-out data --db $(call arg,$(DB))

## SPC (XmR) table of one measure's monthly series, as CSV on stdout:
## make spc MEASURE="Measure name" [AREA=Force] [FIX_AFTER=N] [DB=FILE]
spc: install
	@test -n $(call arg,$(MEASURE)) || { echo 'usage: make spc MEASURE="Measure name" [AREA=Force] [FIX_AFTER=N] [DB=FILE]' >&2; exit 2; }
	@$(PY) -m dashboard.spc --measure $(call arg,$(MEASURE)) --area $(call arg,$(or $(AREA),Force)) \
		--db $(call arg,$(DB)) $(if $(FIX_AFTER),--fix-after $(call arg,$(FIX_AFTER)))

## Exceptions the published rules detect for one report month, as CSV: make exceptions PERIOD=YYYY-MM [DB=FILE]
exceptions: install
	@test -n $(call arg,$(PERIOD)) || { echo 'usage: make exceptions PERIOD=YYYY-MM [DB=FILE]' >&2; exit 2; }
	@$(PY) -m dashboard.detection --period $(call arg,$(PERIOD)) --db $(call arg,$(DB))

## The panel pack (Word + ZIP of charts and tables) for one report month:
## make pack PERIOD=YYYY-MM OUT=DIR [DB=FILE] [MEETING=YYYY-MM-DD]; a DB that does not exist yet gets the
## sample loaded first; with MEETING the report is published to the Panel with this pack (its figures frozen)
pack: install browser
	@test -n $(call arg,$(PERIOD)) || { echo 'usage: make pack PERIOD=YYYY-MM OUT=DIR [DB=FILE]' >&2; exit 2; }
	@test -n $(call arg,$(OUT)) || { echo 'usage: make pack PERIOD=YYYY-MM OUT=DIR [DB=FILE]' >&2; exit 2; }
	@test -f $(call arg,$(DB)) || $(MAKE) --no-print-directory load DB=$(call arg,$(DB))
	$(PY) -m dashboard.pack --period $(call arg,$(PERIOD)) --out $(call arg,$(OUT)) --db $(call arg,$(DB)) \
		$(if $(MEETING),--publish --meeting $(call arg,$(MEETING)))

run: install browser load
	DASHBOARD_DB=$(call arg,$(DB)) $(PY) -m streamlit run app.py --server.port $(call arg,$(PORT)) --browser.gatherUsageStats false

## Several app processes behind nginx with sticky sessions (README, Deployment):
## make serve [WORKERS=2] [PORT=8501] [ADDRESS=127.0.0.1] [DB=FILE]; loopback only unless ADDRESS says otherwise
serve: install browser nginx load
	DASHBOARD_DB=$(call arg,$(DB)) $(PY) scripts/serve.py --workers $(call arg,$(WORKERS)) --port $(call arg,$(PORT)) \
		--address $(call arg,$(ADDRESS))

# The suite starts the loader, the pack and the app as processes many times over; with
# bytecode caching off (PYTHONDONTWRITEBYTECODE, as some environments set it) each recompiles the project.
test: install-dev browser office nginx
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -q --durations=15

## Print speed figures: every script in benchmarks/ (pages, loader, SPC, export, ...), each against its
## anchor and ending MET or MISSED per aim; all run even when one misses, then a summary; exit 1 if any missed
bench: install-dev browser nginx
	@failed=0; summary=""; \
	for script in benchmarks/bench_*.py; do \
		echo "== $$script"; \
		if $(PY) $$script; then summary="$$summary""MET   $$script: every aim met\n"; \
		else summary="$$summary""MISSED $$script: an aim missed, or the script failed (exit $$?)\n"; failed=1; fi; \
	done; \
	printf '\n== summary\n%b' "$$summary"; \
	exit $$failed

## Mutation testing of the core rules (not part of `make test`; docs/TESTING.md): mutmut changes
## the code one small way at a time and runs the fast unit tests; then killed per module, aim 90%
mutate: install-dev
	@start=$$(date +%s); $(PY) -m mutmut run $(foreach m,$(MODULES),"$(m).*") > mutants.log 2>&1 || { tail -20 mutants.log; exit 1; }; \
		tail -c 300 mutants.log | tr '\r' '\n' | tail -2; echo "mutmut ran in $$(( $$(date +%s) - start )) s"
	@$(PY) scripts/mutation_costs.py
	@$(PY) scripts/mutation_report.py $(MODULES)

clean:
	rm -rf $(VENV) data/*.duckdb data/*.duckdb.wal mutants mutants.log
