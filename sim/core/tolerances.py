"""Numerical tolerances and size limits shared by the compiler, the searches, the engine and the analysis.

One place, so that the engine's acceptance test and the searches' feasibility tests can never disagree:

- ``TOL``: a utility within ``TOL`` of an aspiration or reservation value meets it (votes, searches, analysis);
- ``EPS_TIE``: weight of the tie-break towards the mean utility of the other required actors in the max–min key
  (min surplus + ``EPS_TIE`` · mean utility), shared by enumeration, branch and bound and the MILP;
- ``MIP_GAP``: HiGHS' absolute MIP gap (relative gap 0): a MILP answer is optimal to within this;
- ``MIP_FEASIBILITY``: HiGHS' primal and MIP feasibility tolerances;
- ``ENUMERATION_LIMIT``: largest package space that ``protocol.search: auto`` enumerates (beyond: branch and bound,
  then the MILP);
- ``ANALYSIS_ENUMERATION_LIMIT``: largest package space whose signed packages and Pareto frontier ``negsim analyze``
  finds by enumeration (beyond: a counting branch and bound and MILPs);
- ``BNB_MAX_SPACE``: beyond this the branch and bound's bounds rarely prune enough (Paris 2026): straight to the MILP.
"""

from __future__ import annotations

TOL = 1e-9
EPS_TIE = 1e-3
EV_FAIL = -1.0
"""The surplus a failed ratification counts as in the mediator's expected value
(:func:`sim.core.ratify.expected_value`): the worst a signatory can be offered, nothing of what it asks."""
MIP_GAP = 1e-9
MIP_FEASIBILITY = 1e-9
ENUMERATION_LIMIT = 300_000
EV_MAX_STEPS = 8
"""At most this many ratification steps (3^8 trigger patterns) for the expected-value search beyond enumeration."""
ANALYSIS_ENUMERATION_LIMIT = 1_000_000
BNB_MAX_SPACE = 10**8
