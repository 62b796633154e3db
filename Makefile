# The two commands of the README, each doing its own set-up on a fresh Debian machine:
#   make demo   run the main job on the bundled sample data
#   make test   run the whole test suite headless (Xvfb)
# and for developers:
#   make lint         ruff's checks and formatting, as configured in pyproject.toml
#   make lock         re-resolve requirements/lock.txt (the newest versions pyproject.toml allows), then run
#                     `make test` and commit the lock only when it passes
#   make test-latest  the suite in .venv-latest, on the newest versions pyproject.toml allows (unlocked)
#   make test-oldest  the suite in .venv-oldest, on the lowest versions pyproject.toml declares
# `make demo` and `make test` install exactly requirements/lock.txt (hash-checked): the versions the suite
# last passed with. The venv is made anew whenever the lock or pyproject.toml changes.
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
LOCK := requirements/lock.txt
XVFB := xvfb-run -a -s "-screen 0 1600x1200x24"
# the lock holds every Python version pyproject.toml's requires-python allows (markers where they differ)
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --extra testing --universal --generate-hashes --quiet

.PHONY: demo test lint lock test-latest test-oldest docs bench-video bench-overlays bench-export \
	bench-distributed bench-signals bench-spikes screenshots system-deps clean

system-deps:
	@tools/install_system_deps.sh

$(INSTALLED): pyproject.toml $(LOCK) | system-deps
	rm -rf $(VENV)
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --require-hashes --no-deps -r $(LOCK)
	$(PYTHON) -m pip install -q --no-deps -e .
	$(PYTHON) -m pip check
	@touch $@

demo: system-deps $(INSTALLED)
	@if [ -n "$$DISPLAY" ]; then $(PYTHON) -m napari_chronoviz.demo; \
	else $(XVFB) $(PYTHON) -m napari_chronoviz.demo --screenshot demo_output/viewer.png; fi

test: system-deps $(INSTALLED)
	$(XVFB) $(PYTHON) -m pytest

lock: $(INSTALLED)
	$(UV_COMPILE) --upgrade -o $(LOCK)

# An unlocked environment resolved by uv (from the locked venv) with RESOLUTION, then the suite and the lint.
define test_unlocked
	rm -rf $(1)
	$(VENV)/bin/uv venv -q $(1) --python python3
	$(VENV)/bin/uv pip install -q --python $(1)/bin/python --resolution $(2) -e ".[testing]"
	$(VENV)/bin/uv pip freeze --python $(1)/bin/python > $(1)/resolved.txt
	$(XVFB) $(1)/bin/python -m pytest
endef

test-latest: system-deps $(INSTALLED)
	$(call test_unlocked,.venv-latest,highest)

test-oldest: system-deps $(INSTALLED)
	$(call test_unlocked,.venv-oldest,lowest-direct)

LINTED := src tests benchmarks tools

lint: $(INSTALLED)
	$(PYTHON) -m ruff check $(LINTED)
	$(PYTHON) -m ruff format --check $(LINTED)

bench-video: system-deps $(INSTALLED)
	$(PYTHON) benchmarks/bench_video.py
	$(XVFB) $(PYTHON) benchmarks/bench_playback.py

bench-overlays: system-deps $(INSTALLED)
	$(XVFB) $(PYTHON) benchmarks/bench_overlays.py

bench-export: system-deps $(INSTALLED)
	$(PYTHON) benchmarks/bench_export.py

bench-distributed: system-deps $(INSTALLED)
	$(PYTHON) benchmarks/bench_distributed.py

bench-signals: system-deps $(INSTALLED)
	$(PYTHON) benchmarks/bench_signals.py

bench-spikes: system-deps $(INSTALLED)
	$(PYTHON) benchmarks/bench_spikes.py

docs: system-deps $(INSTALLED)
	$(PYTHON) -m mkdocs build --strict

screenshots: system-deps $(INSTALLED)
	$(XVFB) $(PYTHON) tools/make_screenshots.py

clean:
	rm -rf $(VENV) .venv-latest .venv-oldest demo_output benchmarks/.cache .pytest_cache site
