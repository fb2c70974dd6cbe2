"""Tasks: the table, visibility and validity rules, commands, views and counts, live changes."""
