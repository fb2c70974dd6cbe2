"""Persisted queries: Apollo's automatic persisted queries and the trusted-documents allow-list."""
