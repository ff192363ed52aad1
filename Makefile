# `make demo` and `make test` each set up .venv on a fresh machine and run their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck unit bench soak clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The demo writes HTML pages and the study report with embedded figures ([plots]), the CDISC
# datasets ([cdisc]), and ends by showing how to browse a trial with `cartrial serve` ([server]).
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[plots,server,cdisc]'
	touch $@

# The tests use everything: [dev] brings every extra ([all]) and the tools.
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.runtime

# Browser tests and PDF rendering drive Debian's Chromium (no browser download); the study
# report's PDF tests read pages with poppler-utils (pdftoppm, pdftotext); installed
# when missing and allowed (root), otherwise those tests skip with the reason (fail under CI=true).
chromium:
	@{ command -v chromium && command -v pdftoppm; } >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null) || \
	  echo "chromium not installed: browser and PDF tests will skip"; }

# The main job: two seed trials end to end through the services (issue 11), the study report
# and the CDISC datasets of the first (issues 15, 16), then where everything is.
demo: $(VENV)/.runtime
	$(BIN)/cartrial trial simulate --protocol uclm802 --seed 1 --db out/uclm802.db --out out/uclm802 --replace
	$(BIN)/cartrial trial simulate --protocol szugh-msln-2024 --seed 1 --db out/szugh-msln-2024.db --out out/szugh-msln-2024 --replace
	rm -rf out/uclm802/report out/uclm802/sdtm out/uclm802/adam
	$(BIN)/cartrial report --db out/uclm802.db --out out/uclm802/report
	$(BIN)/cartrial cdisc sdtm --db out/uclm802.db --out out/uclm802/sdtm
	$(BIN)/cartrial cdisc adam --sdtm out/uclm802/sdtm --out out/uclm802/adam
	@echo
	@echo "Open the pages: out/uclm802/index.html and out/szugh-msln-2024/index.html"
	@echo "The study report: out/uclm802/report/report.html (--pdf with Chromium installed)"
	@echo "CDISC datasets:   out/uclm802/sdtm/ and out/uclm802/adam/ (XPORT, Dataset-JSON, define.xml)"
	@echo "Browse a trial: $(BIN)/cartrial serve --url sqlite:///out/uclm802.db  (pages at http://127.0.0.1:8000/, API under /api/v1)"
	@echo "A casebook:     $(BIN)/cartrial casebook S01-0001 --url sqlite:///out/uclm802.db --out S01-0001.html"

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(VENV)/.dev
	$(BIN)/mypy src

unit: $(VENV)/.dev chromium
	$(BIN)/pytest -q

test: lint typecheck unit

bench: $(VENV)/.dev
	@for f in bench/*.py; do \
		case $$f in bench/benchlib.py|bench/soak.py) continue;; esac; \
		echo "== $$f"; $(BIN)/python $$f || exit 1; done

soak: $(VENV)/.dev
	$(BIN)/python bench/soak.py --minutes 30

clean:
	rm -rf $(VENV) out .mypy_cache .pytest_cache .ruff_cache
