# Every target builds .venv itself with a Python >= 3.12 (see scripts/find-python.sh).
.PHONY: demo test lint venv clean-venv

demo:  ## install, sweep the shipped default scenario and draw its acceptance curve
	@scripts/venv.sh
	.venv/bin/negsim sweep scenarios/paris_2025.yaml --set protocol.agenda=single_package \
	  --param actors.RU.reservation.expected_gain=0:0.4:9 --param actors.US.deadline.credibility=0,0.6 \
	  --seeds 40 --workers 2 --out results/demo --overwrite
	.venv/bin/negsim plot results/demo --kind acceptance --x actors.RU.reservation.expected_gain \
	  --by actors.US.deadline.credibility -o results/demo/acceptance.png
	@echo "figure: results/demo/acceptance.png"

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
