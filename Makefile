# The two commands of the README, each doing its own set-up on a fresh Debian machine:
#   make demo   run the main job on the bundled sample data
#   make test   run the whole test suite headless (Xvfb)
# and for developers: make lint (ruff's checks and formatting, as configured in pyproject.toml)
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
XVFB := xvfb-run -a -s "-screen 0 1600x1200x24"

.PHONY: demo test lint docs bench-video bench-overlays bench-export bench-distributed screenshots system-deps clean

system-deps:
	@tools/install_system_deps.sh

$(INSTALLED): pyproject.toml | system-deps
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q -e ".[testing]"
	@touch $@

demo: system-deps $(INSTALLED)
	@if [ -n "$$DISPLAY" ]; then $(PYTHON) -m napari_chronoviz.demo; \
	else $(XVFB) $(PYTHON) -m napari_chronoviz.demo --screenshot demo_output/viewer.png; fi

test: system-deps $(INSTALLED)
	$(XVFB) $(PYTHON) -m pytest

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

docs: system-deps $(INSTALLED)
	$(PYTHON) -m mkdocs build --strict

screenshots: system-deps $(INSTALLED)
	$(XVFB) $(PYTHON) tools/make_screenshots.py

clean:
	rm -rf $(VENV) demo_output benchmarks/.cache .pytest_cache site
