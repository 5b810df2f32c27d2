"""``negsim schema``: the JSON Schema of scenario files."""

from __future__ import annotations

import json
from argparse import Namespace

from .scenario import Scenario


def main(args: Namespace) -> int:
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    schema["title"] = "negsim scenario"
    print(json.dumps(schema, indent=2))
    return 0
