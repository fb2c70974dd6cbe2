"""The ground floor every layer may import: settings and the database set-up. Imports nothing of
the project."""
