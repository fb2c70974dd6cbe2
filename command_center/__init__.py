"""Process-level glue shared by the API, the workers and the CLI: settings, database set-up."""
