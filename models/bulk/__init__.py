"""Bulk sends (Group email, Select & Send): commands, up-front checks, idempotency keys."""
