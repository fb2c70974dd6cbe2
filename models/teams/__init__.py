"""Teams, users and API tokens, and the scope every read and write goes through (team isolation)."""
