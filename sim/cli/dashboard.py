"""``negsim dashboard FILE [--port N] [--host H]``: serve the live dashboard (sim.dashboard) as a web page.

The scenario is checked first (its errors print as for every command, exit 2); then Solara's server runs in this
process on loopback by default until interrupted. The page is ``sim.dashboard.app:Page``, told the file by the
environment, so this module does not import the dashboard's layer.
"""

from __future__ import annotations

import os
from argparse import Namespace

from sim.cli.common import load_with_sets
from sim.errors import UsageError


def main(args: Namespace) -> int:
    # --seeds, --master-seed and --port are range-checked for every command by sim.cli.ranges.check_ranges
    load_with_sets(args.file, [])
    try:
        # lazy: solara is the optional `dashboard` extra, and costs seconds to import
        from solara.__main__ import cli
    except ImportError:
        raise UsageError("the dashboard needs Solara: pip install -e '.[dashboard]'") from None
    os.environ.update(
        NEGSIM_DASHBOARD_FILE=os.path.abspath(args.file),
        NEGSIM_DASHBOARD_SEEDS=str(args.seeds),
        NEGSIM_DASHBOARD_MASTER_SEED=str(args.master_seed),
    )
    print(f"negsim: dashboard of {args.file} on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    argv = ["run", "sim.dashboard.app:Page", "--host", args.host, "--port", str(args.port), "--production"]
    cli.main(args=[*argv, "--no-open", "--log-level", "warning"], prog_name="solara", standalone_mode=False)
    return 0
