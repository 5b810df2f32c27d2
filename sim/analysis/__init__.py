"""Analysis at round 0: bargaining solutions, evaluation of given packages, and theory closed forms."""
