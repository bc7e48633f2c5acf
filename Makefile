# `make test` and `make demo` each create .venv when missing and install the project into it.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.tierlang-installed

.PHONY: test demo lint fmt bench clean vsix grammar-test fuzz

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
# base. DEMO_DATA needs partner_id, every column of mpn2010 and of cloudpartner2022
# (docs/programs/), and optionally anniversary (YYYY-MM-DD); examples/partners.csv (made by
# `tier synth`, see examples/README.md) has them. The report goes to build/report.html.
DEMO_DATA ?= examples/partners.csv

demo: $(STAMP)
	$(VENV)/bin/tier check programs/*.tier
	@test -f "$(DEMO_DATA)" || { echo "make demo: $(DEMO_DATA) is missing; see examples/README.md to make it" >&2; exit 2; }
	@mkdir -p build
	$(VENV)/bin/tier diff programs/mpn2010.tier programs/cloudpartner2022.tier --data $(DEMO_DATA) -o - -o build/report.html

lint: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Generated and corrupted programs and datasets must never end in a traceback
# (tests/fuzz/run.py). The full run takes hours on one core; CI runs a short one. A long run
# keeps a log and resumes from it: `make fuzz FUZZ_ARGS="--state build/fuzz.state"`, again.
FUZZ_PROGRAMS ?= 100000
FUZZ_DATASETS ?= 10000
FUZZ_SEED ?= 0
FUZZ_ARGS ?=

fuzz: $(STAMP)
	$(PY) -m tests.fuzz.run --programs $(FUZZ_PROGRAMS) --datasets $(FUZZ_DATASETS) --seed $(FUZZ_SEED) --out build/fuzz $(FUZZ_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/run.py

# The VS Code extension (editors/vscode): its npm packages, pinned by package-lock.json.
VSCODE := editors/vscode
NPM_STAMP := $(VSCODE)/node_modules/.tierlang-installed

$(NPM_STAMP): $(VSCODE)/package.json $(VSCODE)/package-lock.json
	cd $(VSCODE) && npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

# build/tierlang-<version>.vsix: install it with `code --install-extension FILE`.
vsix: $(NPM_STAMP)
	@mkdir -p build
	cd $(VSCODE) && npx vsce package --allow-missing-repository --out ../../build/

# The TextMate grammars: assertion fixtures (editors/vscode/test), then every token of the
# shipped programs scoped as the compiler's lexer reads it.
grammar-test: $(NPM_STAMP) $(STAMP)
	cd $(VSCODE) && TIER_PYTHON=$(abspath $(PY)) npm test --silent

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache .hypothesis $(VSCODE)/node_modules
