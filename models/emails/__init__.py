"""Emails: the table and event history, the state machine, transitions, folders, counters, commands
and previews."""
