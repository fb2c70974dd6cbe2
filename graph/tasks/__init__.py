"""Tasks: the rep's to-do list (types, queries, mutations, live updates)."""
