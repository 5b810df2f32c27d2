"""Figures of sweeps, runs and package spaces (matplotlib; take data and ``ax=None``, return the Axes)."""
