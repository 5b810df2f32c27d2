"""Named scenario variants (issue #16, docs/variants.md): ``extends`` + ``variant`` + ``set`` + ``provenance``.

- loading gives the base with the edits, id ``<base>__<variant>``, and the same scenario ``negsim ... --set`` gives;
- errors: a bad path or value at the variant file's line, a missing base at ``extends``, a base error at the base
  file's line, a cycle of variants;
- provenance: numbers a variant writes need tags in its own section (a base entry on an enclosing section does not
  tag them), an entry outside the set paths is refused, one that tags nothing is reported by ``--provenance``;
- every shipped variant validates with ``--provenance`` and loads.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario
from sim.cli.common import load_with_sets
from sim.core.compiled import compile_scenario
from sim.errors import ScenarioError
from sim.scenario.loader import audit_file
from sim.scenario.paths import resolved_tree

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = sorted((ROOT / "scenarios" / "variants").glob("*/*.yaml"))
TOY = ROOT / "scenarios" / "bilateral_toy.yaml"


def negsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=ROOT, timeout=600, check=False
    )


def _without_meta(s) -> dict:
    tree = resolved_tree(s)
    tree.pop("provenance")
    tree.pop("scenario")
    return tree


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder with a copy of the toy and a variants/toy/ folder under it."""
    shutil.copy(TOY, tmp_path / "toy.yaml")
    (tmp_path / "variants" / "toy").mkdir(parents=True)
    return tmp_path


def write(tree: Path, name: str, text: str) -> Path:
    f = tree / "variants" / "toy" / name
    f.write_text(text)
    return f


CHEAP = """\
extends: ../../toy.yaml
variant: {id: cheap_b, title: "B weighs price more", source: "made up"}
set:
  actors.B.salience.price: 0.5
  actors.B.reservation.war_cost: 0.1
provenance:
  actors.B.salience.price: {tag: assumption, note: "made up"}
  actors.B.reservation: {tag: assumption, note: "made up"}
"""


def test_a_variant_is_the_base_with_its_edits_and_a_new_id(tree):
    f = write(tree, "cheap.yaml", CHEAP)
    s = load_scenario(f)
    base = load_scenario(tree / "toy.yaml")
    assert s.id == "bilateral_toy__cheap_b"
    assert s.source == str(f)
    assert s.scenario.title == "Two actors trading price against timing [variant: B weighs price more]"
    assert "Variant cheap_b of bilateral_toy" in (s.scenario.description or "")
    assert s.actors["B"].salience["price"] == 0.5 and base.actors["B"].salience["price"] == 0.2
    assert s.actors["B"].reservation.war_cost == 0.1
    # everything else is the base's
    t, b = _without_meta(s), _without_meta(base)
    t["actors"]["B"]["salience"]["price"] = b["actors"]["B"]["salience"]["price"]
    t["actors"]["B"]["reservation"]["war_cost"] = b["actors"]["B"]["reservation"]["war_cost"]
    assert t == b
    assert s.scenario.max_rounds == base.scenario.max_rounds


def test_set_means_what_sweep_set_means(tree):
    f = write(tree, "cheap.yaml", CHEAP)
    s = load_scenario(f)
    t = load_with_sets(str(tree / "toy.yaml"), ["actors.B.salience.price=0.5", "actors.B.reservation.war_cost=0.1"])
    assert _without_meta(s) == _without_meta(t)
    a, b = compile_scenario(s), compile_scenario(t)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.values, b.values)
    assert np.array_equal(a.reservation(0), b.reservation(0))


def test_a_bad_set_path_has_the_message_of_sweep_set(tree):
    from sim.errors import UsageError

    f = write(tree, "bad.yaml", "extends: ../../toy.yaml\nvariant: {id: bad}\nset: {actors.B.salence.price: 0.5}\n")
    (issue,) = _issues(f)
    with pytest.raises(UsageError) as info:
        load_with_sets(str(tree / "toy.yaml"), ["actors.B.salence.price=0.5"])
    assert issue.message == str(info.value) and issue.line == 3 and issue.file == str(f)


def test_a_variant_of_a_variant(tree):
    write(tree, "cheap.yaml", CHEAP)
    f = write(tree, "cheaper.yaml", "extends: cheap.yaml\nvariant: {id: more}\nset: {actors.B.discount: 0.8}\n"
              "provenance: {actors.B.discount: {tag: assumption}}\n")  # fmt: skip
    s = load_scenario(f)
    assert s.id == "bilateral_toy__cheap_b__more"
    assert s.actors["B"].discount == 0.8 and s.actors["B"].salience["price"] == 0.5


def _issues(f: Path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    return info.value.issues


def _one(issues, file: Path, line: int, *words: str):
    hits = [i for i in issues if i.file == str(file) and i.line == line and all(w in i.message for w in words)]
    assert hits, "\n".join(i.format() for i in issues)
    return hits[0]


def test_a_bad_path_and_a_bad_value_are_at_the_variant_line(tree):
    f = write(
        tree,
        "bad.yaml",
        "extends: ../../toy.yaml\nvariant: {id: bad}\nset:\n"
        "  actors.B.salence.price: 0.5\n"  # line 4: no such field
        "  actors.A.discount: 1.5\n"  # line 5: out of range
        "  actors.A.red_lines: {price: [lo]}\n"  # line 6: unknown option
        "note: x\nextra: 1\n",  # line 8: unknown key
    )
    issues = _issues(f)
    _one(issues, f, 4, "actors.B.salence", "names nothing")
    _one(issues, f, 8, "unknown key 'extra'")
    # the path error stops the edits; fixed, the value errors show at their lines
    f.write_text(f.read_text().replace("salence", "salience").replace("extra: 1\n", ""))
    issues = _issues(f)
    assert _one(issues, f, 5, "less than or equal to 1").dotted == "actors.A.discount"
    assert _one(issues, f, 6, "'lo'", "did you mean 'low'").dotted == "actors.A.red_lines.price.0"
    r = negsim("validate", str(f))
    assert r.returncode == 2 and f"{f}:5:" in r.stderr and f"{f}:6:" in r.stderr


def test_a_missing_base_is_at_extends_and_a_base_error_at_the_base_line(tree):
    f = write(tree, "lost.yaml", "variant: {id: lost}\nextends: ../../nowhere.yaml\n")
    _one(_issues(f), f, 2, "nowhere.yaml", "not a file")
    base = tree / "toy.yaml"
    text = base.read_text()
    line = text[: text.index("discount: 0.9")].count("\n") + 1
    base.write_text(text.replace("discount: 0.9", "discount: 9.0", 1))
    f = write(tree, "cheap.yaml", CHEAP)
    _one(_issues(f), base, line, "less than or equal to 1")


def test_an_edit_that_breaks_the_base_elsewhere_is_at_the_base_line_and_names_the_variant(tree):
    """Dropping the option ``premium`` of price leaves A's option values naming it: the conflict is written in the
    base (A's utilities), so it is reported there, saying which variant's edits caused it."""
    base = tree / "toy.yaml"
    line = base.read_text().splitlines().index("      price: [0.0, 0.4, 0.8, 1.0]          # list form: one value per "
                                               "option, in option order") + 1  # fmt: skip
    f = write(tree, "cut.yaml", "extends: ../../toy.yaml\nvariant: {id: cut}\nset:\n"
              "  clauses.price.options: [low, mid, high]\n")  # fmt: skip
    issues = _issues(f)
    hit = next(i for i in issues if i.file == str(base))
    assert hit.line == line and f"with the edits of {f}" in hit.message, [i.format() for i in issues]


def test_a_cycle_of_variants_is_an_error(tree):
    write(tree, "a.yaml", "extends: b.yaml\nvariant: {id: a}\n")
    f = write(tree, "b.yaml", "extends: a.yaml\nvariant: {id: b}\n")
    _one(_issues(f), f, 1, "cycle")


def test_numbers_a_variant_writes_need_its_own_tags(tree):
    """The toy's base entry ``actors`` (a section) would tag actors.B.salience.price: a variant's number needs an
    entry of the variant's provenance, and the base's numbers keep the base's tags and lines."""
    f = write(tree, "cheap.yaml", CHEAP.replace('  actors.B.salience.price: {tag: assumption, note: "made up"}\n', ""))
    _, found, where = audit_file(f)
    assert [n.path for n in found.untagged] == ["actors.B.salience.price"]
    assert where["actors.B.salience.price"][0] == 4
    base_number = next(n for n in found.numbers if n.path == "actors.A.discount")
    assert base_number.entry == "actors" and found.files["actors.A.discount"] == str(tree / "toy.yaml")
    assert next(n for n in found.numbers if n.path == "actors.B.reservation.war_cost").entry == "actors.B.reservation"
    r = negsim("validate", "--provenance", str(f))
    assert r.returncode == 2 and f"{f}:4:" in r.stderr and "untagged number 0.5" in r.stderr
    assert negsim("validate", "--provenance", str(write(tree, "ok.yaml", CHEAP))).returncode == 0


def test_variant_provenance_outside_its_set_paths_or_tagging_nothing(tree):
    f = write(tree, "p.yaml", CHEAP + "  actors.A.discount: {tag: assumption}\n")
    _one(_issues(f), f, 9, "neither at, under nor above a set path")
    g = write(
        tree,
        "q.yaml",
        "extends: ../../toy.yaml\nvariant: {id: q}\nset:\n  actors.A.red_lines: {price: [low]}\n"
        "provenance:\n  actors.A.red_lines: {tag: assumption}\n",
    )
    assert load_scenario(g).actors["A"].red_lines is not None  # loads: the entry names a value
    _, found, where = audit_file(g)
    assert found.unused == ["actors.A.red_lines"] and where["provenance.actors.A.red_lines"][0] == 6
    r = negsim("validate", "--provenance", str(g))
    assert r.returncode == 2 and f"{g}:6:" in r.stderr and "tags no number" in r.stderr


def test_cli_run_and_analyze_take_a_variant(tree):
    f = write(tree, "cheap.yaml", CHEAP)
    r = negsim("run", str(f), "--no-save", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert "bilateral_toy__cheap_b" in json.dumps(out)
    r = negsim("analyze", str(f), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["scenario"] == "bilateral_toy__cheap_b"


@pytest.mark.parametrize("path", VARIANTS, ids=[f"{p.parent.name}/{p.stem}" for p in VARIANTS])
def test_every_shipped_variant_loads_and_validates_with_provenance(path):
    s = load_scenario(path)
    base = load_scenario(path.parent.parent.parent / f"{path.parent.name}.yaml")
    assert s.id == f"{base.id}__{path.stem}"
    assert _without_meta(s) != _without_meta(base)  # it changes something
    _, found, _ = audit_file(path)
    assert not found.untagged and not found.unused


def test_the_shipped_variants_validate_on_the_command_line():
    assert len(VARIANTS) >= 4
    r = negsim("validate", "--provenance", *map(str, VARIANTS))
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(": ok:") == len(VARIANTS)


def test_the_variant_schema_accepts_the_shipped_variants_and_refuses_a_typo(capsys):
    from jsonschema import Draft202012Validator

    from sim.cli.main import main
    from sim.scenario.schema import variant_schema
    from sim.scenario.yamlio import read_yaml_file

    schema = variant_schema()
    Draft202012Validator.check_schema(schema)
    v = Draft202012Validator(schema)
    for path in VARIANTS:
        assert list(v.iter_errors(read_yaml_file(path)[0])) == [], path
    data = read_yaml_file(VARIANTS[0])[0]
    assert list(v.iter_errors({**data, "sett": {}}))
    assert list(v.iter_errors({**data, "provenance": {"a.b": {"tag": "guess"}}}))
    assert main(["schema", "--variant"]) == 0
    assert json.loads(capsys.readouterr().out) == schema
