"""The Mesa engine: policies, agents, the model (one step a round), runs and their records."""
