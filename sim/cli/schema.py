"""``negsim schema [--variant]``: the JSON Schema of scenario files as written, or of variant files
(:mod:`sim.scenario.schema`)."""

from __future__ import annotations

import json
from argparse import Namespace

from sim.scenario.schema import variant_schema, written_schema


def main(args: Namespace) -> int:
    print(json.dumps(variant_schema() if getattr(args, "variant", False) else written_schema(), indent=2))
    return 0
