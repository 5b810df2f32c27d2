"""Mesa's ``Model``, ``Agent`` and ``DataCollector``, imported without the rest of Mesa: the one module importing Mesa.

Why (measured with ``python -X importtime``, issue 19): ``import mesa`` (3.5) runs ``mesa/__init__.py``, which
imports all of Mesa: the discrete spaces (networkx, ``scipy.spatial``), ``batch_run`` (tqdm, asyncio), the
experimental continuous space (``scipy.spatial``); and ``mesa.agent``, ``mesa.datacollection`` and the experimental
data recorders import pandas (and with it pyarrow) at module level, for ``Agent.create_agents``' type checks and the
DataFrame exports. That was ~1.5 s of the 2.6 s of a cold ``negsim run``, and it makes ``mesa.model`` slow as
well: its logging decorator walks the import stack with ``inspect``, which scans every loaded module per frame.
A narrower ``from mesa.model import Model`` alone does not help: Python runs a package's ``__init__`` before any
of its submodules.

So, when Mesa is not imported yet, :func:`_import_narrowly`

1. puts ``mesa`` and ``mesa.experimental`` into ``sys.modules`` as package modules whose ``__init__`` has not run
   yet; a module ``__getattr__`` (PEP 562) runs the real ``__init__`` the first time anything else is asked of them
   (``mesa.batch_run``, ``mesa.space``, ``mesa.experimental.devs``…), so ``import mesa`` afterwards behaves as
   always;
2. imports ``mesa.model``, ``mesa.agent`` and ``mesa.datacollection`` with a placeholder for pandas in
   ``sys.modules``, then points each Mesa module's pandas name at :class:`_OnFirstUse` (which imports the real
   pandas when an attribute is first read) and removes the placeholder: pandas loads only if Mesa's own
   DataFrame code runs.

The classes are Mesa's own (``Model is mesa.Model``). Anything unexpected during the narrow import falls back to
a plain ``import mesa``. When Mesa is already imported, this is a plain import. The engine never uses Mesa's
pandas-backed features (it builds its agents one by one and reads ``datacollector.model_vars``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

NARROW = ("mesa.agent", "mesa.model", "mesa.datacollection")
"""The Mesa modules the engine needs, in import order."""
DEFERRED_PACKAGES = ("mesa", "mesa.experimental")
"""Packages whose ``__init__`` (importing the rest of Mesa) runs on first use of anything else in them."""


class _OnFirstUse(types.ModuleType):
    """Stands for a module in the namespace of Mesa's modules; imports the real one when an attribute is read."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def _deferred_package(name: str) -> types.ModuleType:
    """The package ``name`` in ``sys.modules`` with its ``__init__`` not run; run on the first missing attribute."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def __getattr__(attr: str) -> Any:
        if module.__dict__.pop("__getattr__", None) is None:  # already run (or running): a plain missing attribute
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        loader.exec_module(module)
        return getattr(module, attr)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def _import_narrowly() -> None:
    """Steps 1 and 2 of the module docstring; on any failure, undo them and import Mesa as usual."""
    before = set(sys.modules)
    placeholder = None if "pandas" in sys.modules else types.ModuleType("pandas")
    try:
        if placeholder is not None:
            sys.modules["pandas"] = placeholder
        packages = [_deferred_package(name) for name in DEFERRED_PACKAGES]
        for name in NARROW:
            importlib.import_module(name)
            if name == "mesa.agent":  # what mesa/__init__ would have bound; mesa.datacollection reads it
                packages[0].__dict__["Agent"] = sys.modules[name].Agent
        if placeholder is not None:
            lazy = _OnFirstUse("pandas")
            for mod in [m for n, m in sys.modules.items() if n.startswith("mesa.")]:
                for key, value in list(vars(mod).items()):
                    if value is placeholder:
                        setattr(mod, key, lazy)
    except Exception:
        for name in set(sys.modules) - before:
            if name == "mesa" or name.startswith("mesa.") or name == "pandas":
                del sys.modules[name]
        if sys.modules.get("pandas") is placeholder:
            del sys.modules["pandas"]
        importlib.import_module("mesa")
    finally:
        if placeholder is not None and sys.modules.get("pandas") is placeholder:
            del sys.modules["pandas"]


def _in_fresh_thread(fn: Callable[[], None]) -> None:
    """Run ``fn`` in a short-lived thread and re-raise what it raised. Mesa's logging decorators walk the stack of
    the importing thread with ``inspect`` (``mesa.model``: ``inspect.stack()``, ``inspect.getouterframes``),
    scanning every loaded module for each frame; a fresh thread's stack is a few frames, not the ~50 of the
    command's import chain (measured: ~70 % of the narrow import's time)."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target, name="negsim-import-mesa")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


if "mesa" not in sys.modules:
    _in_fresh_thread(_import_narrowly)

from mesa.agent import Agent  # noqa: E402  (after the narrow import above, by design)
from mesa.datacollection import DataCollector  # noqa: E402
from mesa.model import Model  # noqa: E402

__all__ = ["Agent", "DataCollector", "Model"]
