"""``negsim schema``: the JSON Schema of scenario files as written (:mod:`sim.scenario.schema`)."""

from __future__ import annotations

import json
from argparse import Namespace

from sim.scenario.schema import written_schema


def main(args: Namespace) -> int:
    print(json.dumps(written_schema(), indent=2))
    return 0
