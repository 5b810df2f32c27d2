"""The JSON Schema of scenario files as they are written, shorthands included (``negsim schema`` prints it).

The models' own schema (``Scenario.model_json_schema``) describes the *expanded* document and rejects what
:func:`sim.scenario.resolve.normalise` accepts: a clause as a list of options, option values as a list in option order,
a red line as a list of options or one option, a single approval rule instead of a list, and shocks written
under an actor (``actors.HU.shocks``, with ``effect: {inherits: PROFILE, FIELD: value}``). :func:`written_schema`
adds each shorthand as an ``anyOf`` alternative to the canonical form. Mappings keep
``additionalProperties: false`` (as the models forbid extra keys), and mappings keyed by names accept only names
(``Id``), so that an editor catches typos. The schema checks structure, types and ranges; cross references
(unknown clause, option or actor names...) are left to ``negsim validate``. Read YAML for it with the project's
loader (:func:`sim.scenario.yamlio.read_yaml_file`, YAML 1.2), not a YAML 1.1 one.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import TypeAdapter

from sim.scenario.models import Actor, Id, Scenario, Unit
from sim.scenario.models_menus import Provenance

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _names_only(node: Any) -> None:
    """Every mapping keyed by names (``patternProperties`` of ``Id``) refuses other keys."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for v in node.values():
            _names_only(v)
    elif isinstance(node, list):
        for v in node:
            _names_only(v)


def _entries(prop: dict[str, Any]) -> dict[str, Any]:
    """The ``patternProperties`` holder of a (possibly nullable) mapping property."""
    for alt in prop.get("anyOf", [prop]):
        if "patternProperties" in alt:
            return alt
    raise KeyError("patternProperties")


def _either(holder: dict[str, Any], *shorthands: dict[str, Any]) -> None:
    """Each entry of a name-keyed mapping: its canonical form, or any of ``shorthands``."""
    (pattern,) = holder["patternProperties"]
    canonical = holder["patternProperties"][pattern]
    holder["patternProperties"][pattern] = {"anyOf": [canonical, *shorthands]}


def written_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file as written."""
    schema = Scenario.model_json_schema(by_alias=True, mode="validation")
    defs = schema["$defs"]
    name = TypeAdapter(Id).json_schema()
    unit = TypeAdapter(Unit).json_schema()
    options = defs["Clause"]["properties"]["options"]

    _either(schema["properties"]["clauses"], {**copy.deepcopy(options), "description": "shorthand: the options"})
    for model in ("ActorFields", "Actor"):
        props = defs[model]["properties"]
        _either(
            _entries(props["utilities"]),
            {"type": "array", "items": unit, "description": "shorthand: one value per option, in option order"},
        )
        _either(
            _entries(props["red_lines"]),
            {"type": "array", "items": name, "description": "shorthand: a hard red line on these options"},
            {**name, "description": "shorthand: a hard red line on this option"},
        )
    _either(
        defs["DecisionRules"]["properties"]["clause_approvals"],
        {"$ref": "#/$defs/ApprovalRule", "description": "shorthand: a single rule"},
    )

    fields = sorted(f.alias or n for n, f in Actor.model_fields.items())
    actor_shock = copy.deepcopy(defs["Shock"])
    actor_shock["title"] = "ActorShock"
    actor_shock["description"] = (
        "A shock written under an actor: moved to the top-level shocks, with effect's inherits as profile "
        "{ACTOR: PROFILE} and its other keys as set {actors.ACTOR.KEY: value}; set/add paths that do not start "
        "with a section name are relative to the actor."
    )
    actor_shock["properties"]["effect"] = {
        "type": "object",
        "description": "inherits: a profile the actor adopts; any other key: a field of the actor (or a path in it)",
        "properties": {"inherits": name},
        "propertyNames": {"pattern": "^(?:" + "|".join(fields) + r")(?:\..+)?$"},
    }
    defs["ActorShock"] = actor_shock
    defs["Actor"]["properties"]["shocks"] = {
        "type": "array",
        "items": {"$ref": "#/$defs/ActorShock"},
        "description": "shorthand: shocks of this actor",
    }
    _names_only(schema)
    return {
        "$schema": DIALECT,
        "title": "negsim scenario",
        "description": "A negsim scenario file as written (shorthands included); see docs/scenario-format.md.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def variant_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a variant file (:mod:`sim.scenario.variant`, docs/variants.md): its keys
    and their types; what ``set`` writes is checked by the loader against the base scenario."""
    prov = TypeAdapter(Provenance).json_schema()
    return {
        "$schema": DIALECT,
        "title": "negsim scenario variant",
        "description": "A variant of a negsim scenario: a base file plus set edits by path; see docs/variants.md.",
        "type": "object",
        "required": ["extends", "variant"],
        "additionalProperties": False,
        "properties": {
            "extends": {"type": "string", "minLength": 1, "description": "the base file, relative to this file"},
            "variant": {
                "type": "object",
                "required": ["id"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_\-]*$", "maxLength": 60},
                    "title": {"type": "string"},
                    "source": {"type": "string"},
                },
            },
            "set": {"type": "object", "description": "path: value, as negsim run --set PATH=VALUE takes them"},
            "provenance": {"type": "object", "additionalProperties": prov, "description": "tags of what set writes"},
            "note": {"type": "string"},
        },
    }
