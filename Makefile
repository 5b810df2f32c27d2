# Every target builds its venv itself with a Python >= 3.12 (see scripts/find-python.sh): .venv at the versions of
# constraints.txt (the lock), .venv-latest (make test-latest) at the newest releases pyproject.toml allows.
.PHONY: demo notebooks test test-fast test-latest lock venv clean-venv

PYTEST_ENV = MPLBACKEND=Agg OPENBLAS_NUM_THREADS=1
# Two pytest workers (pytest-xdist), one per core of the development and CI machines; override with make test JOBS=1.
JOBS ?= 2

demo:  ## install, sweep the shipped default scenario and draw its acceptance curve
	@scripts/venv.sh
	.venv/bin/negsim sweep scenarios/paris_2025.yaml --set protocol.agenda=single_package --set scenario.max_rounds=30 \
	  --param actors.RU.reservation.expected_gain=0:0.4:9 --param actors.US.deadline.credibility=0,0.6 \
	  --seeds 40 --workers 2 --out results/demo --overwrite
	.venv/bin/negsim plot results/demo --kind acceptance --x actors.RU.reservation.expected_gain \
	  --by actors.US.deadline.credibility -o results/demo/acceptance.png
	@echo "figure: results/demo/acceptance.png"

notebooks:  ## install with the dashboard and Jupyter, and open JupyterLab on notebooks/ (docs/dashboard.md)
	@scripts/venv.sh dev,dashboard,notebooks
	.venv/bin/jupyter lab notebooks

test:  ## install with the dev tools; lint, type-check and run every test (slow ones too) with coverage
	@scripts/venv.sh dev
	.venv/bin/ruff check sim tests benchmarks
	.venv/bin/ruff format --check sim tests benchmarks
	.venv/bin/mypy sim
	.venv/bin/lint-imports
	$(PYTEST_ENV) .venv/bin/pytest -n $(JOBS) --cov=sim --cov-fail-under=90

test-fast:  ## the inner loop: every test not marked slow, no coverage, no lint (about a minute)
	@scripts/venv.sh dev
	$(PYTEST_ENV) .venv/bin/pytest -n $(JOBS) -q -m "not slow"

test-latest:  ## the fast tests in .venv-latest: the newest releases within pyproject.toml's bounds, no lock
	@scripts/venv.sh --latest dev
	.venv-latest/bin/python -m pip list --format=freeze > .venv-latest/versions.txt
	@echo "versions installed: .venv-latest/versions.txt (compare with constraints.txt)"
	$(PYTEST_ENV) .venv-latest/bin/pytest -n $(JOBS) -q -m "not slow"

lock:  ## refresh constraints.txt (scripts/lock.sh; scripts/lock.sh --upgrade moves every pin to the newest release)
	scripts/lock.sh

venv:
	@scripts/venv.sh dev

clean-venv:
	rm -rf .venv .venv-latest .venv-tools
