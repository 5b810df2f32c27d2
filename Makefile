# Every target builds .venv itself with a Python >= 3.12 (see scripts/find-python.sh).
.PHONY: demo test lint venv clean-venv

demo:  ## install, check the shipped scenarios and show the default one
	@scripts/venv.sh
	.venv/bin/negsim validate scenarios/*.yaml
	.venv/bin/negsim show scenarios/paris_2025.yaml

test:  ## install with the dev tools; lint, type-check and run the tests with coverage
	@scripts/venv.sh dev
	.venv/bin/ruff check sim tests benchmarks
	.venv/bin/ruff format --check sim tests benchmarks
	.venv/bin/mypy sim
	MPLBACKEND=Agg OPENBLAS_NUM_THREADS=1 .venv/bin/pytest --cov=sim --cov-fail-under=90

venv:
	@scripts/venv.sh dev

clean-venv:
	rm -rf .venv
