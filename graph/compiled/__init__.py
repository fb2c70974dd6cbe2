"""The compiled path of persisted listings: one SQL statement builds the response's JSON."""
