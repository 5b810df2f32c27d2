"""Briefs: one self-contained HTML or Markdown page answering a scenario's question from a sweep (docs/brief.md)."""
