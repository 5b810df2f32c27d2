"""Pure numpy core: a scenario compiled to arrays, utilities, curves, statistics and tolerances."""
