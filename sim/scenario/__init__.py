"""The scenario language: YAML with locations, shorthands, pydantic models, cross-checks, paths and edits."""
