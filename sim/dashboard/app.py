"""The web page ``negsim dashboard FILE`` serves: ``solara run sim.dashboard.app:Page``.

The scenario file comes from the environment (``NEGSIM_DASHBOARD_FILE``, set by ``negsim dashboard``), as do the runs
per change (``NEGSIM_DASHBOARD_SEEDS``) and the master seed (``NEGSIM_DASHBOARD_MASTER_SEED``).
"""

from __future__ import annotations

import os

import solara

from sim.dashboard.components import Dashboard
from sim.dashboard.state import DEFAULT_SEEDS

FILE_ENV, SEEDS_ENV, MASTER_ENV = "NEGSIM_DASHBOARD_FILE", "NEGSIM_DASHBOARD_SEEDS", "NEGSIM_DASHBOARD_MASTER_SEED"


@solara.component
def Page():
    Dashboard(
        os.environ.get(FILE_ENV, "scenarios/paris_2025.yaml"),
        n_seeds=int(os.environ.get(SEEDS_ENV, DEFAULT_SEEDS)),
        master_seed=int(os.environ.get(MASTER_ENV, 0)),
    )
