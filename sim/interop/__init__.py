"""Importers and exporters of the field's formats (docs/interop.md): GENIUS XML and LLM-Deliberation games."""
