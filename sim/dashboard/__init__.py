"""The live dashboard: ``from sim.dashboard import Dashboard`` (Solara; the dashboard extra), or DashboardModel."""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["Dashboard", "DashboardModel", "Summary"]
_LAZY = {"Dashboard": "components", "DashboardModel": "state", "Summary": "state"}


def __getattr__(name: str) -> Any:  # DashboardModel without Solara installed: import each on first use
    if name in _LAZY:
        return getattr(import_module(f"sim.dashboard.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'sim.dashboard' has no attribute {name!r}")
