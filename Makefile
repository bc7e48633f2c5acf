# `make test` and `make demo` each create .venv when missing and install the project into it.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.tierlang-installed

.PHONY: test demo lint fmt bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -q

# The main job: what moving from MPN (2010) to the Cloud Partner Program (2022) does to a partner
# base. DEMO_DATA needs a partner_id column, every column of mpn2010 and of cloudpartner2022
# (docs/programs/), and optionally anniversary (YYYY-MM-DD). Until examples/partners.csv exists
# (`tier synth`), a synthetic stand-in from the test helpers is written to build/.
DEMO_DATA ?= examples/partners.csv
DEMO_STANDIN := build/demo-partners.csv
DEMO_PAIR := programs/mpn2010.tier programs/cloudpartner2022.tier

demo: $(STAMP)
	$(VENV)/bin/tier check programs/*.tier
	@mkdir -p build
	@if [ -f "$(DEMO_DATA)" ]; then data="$(DEMO_DATA)"; else \
	  echo "make demo: $(DEMO_DATA) not found; using a synthetic stand-in ($(DEMO_STANDIN))" >&2; \
	  $(PY) -m tests.diff.synthetic $(DEMO_STANDIN) 20000 $(DEMO_PAIR) || exit 2; data="$(DEMO_STANDIN)"; fi; \
	$(VENV)/bin/tier diff $(DEMO_PAIR) --data "$$data" -o - -o build/report.html

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .hypothesis
