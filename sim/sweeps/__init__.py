"""Sweeps: designs of parameter points × seeds, run in chunks on executors, summarised."""
