# 巡指 xunzhi — two commands on a fresh machine (Python 3.11, make, git):
#   make demo   install, build the demo county, write its report, serve http://127.0.0.1:8000
#   make test   install (Debian packages too), lint, run the whole suite
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export XUNZHI_DATA_DIR ?= $(CURDIR)/data
export UV_PYTHON_DOWNLOADS := never

.PHONY: demo test install system-deps lint format bench clean

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen

demo: install
	$(UV) run xunzhi demo

system-deps:
	bash scripts/system-deps.sh

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy

test: install system-deps lint
	$(UV) run pytest

format: install
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

bench: install
	$(UV) run python bench/report.py
	$(UV) run python bench/intake.py
	$(UV) run python bench/web.py

clean:
	rm -rf .venv .tools data .pytest_cache
