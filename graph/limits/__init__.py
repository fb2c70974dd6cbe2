"""Request limits: the shape of a document (depth, aliases, expanded size), its static cost, the
per-token budget, and how refusals reach the client (README: Limits)."""
