"""Advanced search (the EmailFilter input) and saved searches with live matches."""
