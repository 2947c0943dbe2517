# Two commands for a fresh Debian/Ubuntu machine:
#   make demo   set up (.venv, package, Graphviz) and run the guided demo
#   make test   set up (.venv, package + test extras, Graphviz, Chromium) and run the test suite
# Both are idempotent: a second run skips the steps that are already done.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# PyTorch is the reference the tests compare against (CPU is enough). Pinned so that pip
# never picks a multi-GB CUDA build by accident; point TORCH_INDEX at PyTorch's CPU wheel
# index to get the small CPU-only build on machines that can reach it.
TORCH       ?= torch==2.13.0
TORCH_INDEX ?=
PYTEST_ARGS ?=

.PHONY: demo test setup graphviz browser lessons bench clean

demo: $(VENV)/.demo-ready graphviz
	$(VENV)/bin/tinygrad-rnn demo

test: $(VENV)/.test-ready graphviz browser
	$(PY) -m pytest -q $(PYTEST_ARGS)

setup: $(VENV)/.test-ready graphviz browser

graphviz:
	@sh tools/ensure_graphviz.sh

# Chromium for the page tests (explorer, docs site), driven by Playwright from pytest
browser:
	@sh tools/ensure_chromium.sh

$(VENV)/.created:
	@sh tools/ensure_venv.sh "$(PYTHON)" "$(VENV)"
	@touch $@

$(VENV)/.demo-ready: $(VENV)/.created setup.cfg
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[viz,train,digits]"
	@touch $@

$(VENV)/.test-ready: $(VENV)/.demo-ready setup.cfg
	$(PIP) install -q "$(TORCH)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX),)
	$(PIP) install -q -e ".[viz,train,digits,test,keras-oracle,fast]"
	@touch $@

bench: $(VENV)/.test-ready
	$(VENV)/bin/tinygrad-rnn bench ops

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis tinygrad_rnn_demo
