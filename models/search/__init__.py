"""Advanced search: the filter spec and its SQL, saved searches, live matching."""
