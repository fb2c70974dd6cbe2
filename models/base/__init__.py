"""The shared ground of every domain: the clock, typed errors, after-commit hooks, keyset
pagination, partial rows, address checks."""
