"""Results folders that describe themselves: atomic files, metadata, loading runs and sweeps."""
