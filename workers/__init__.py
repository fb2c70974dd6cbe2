"""Dramatiq broker set-up and actors (delivery, dispatching due emails, inbound processing).

The broker must be configured before any actor module is imported.
"""
