"""Exact search of the package space: enumeration, branch and bound, and the MILP (HiGHS)."""
