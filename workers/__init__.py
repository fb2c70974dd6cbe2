"""Dramatiq broker set-up and actors: sending due emails over SMTP.

Import `workers.broker` before any actor module (`workers.actors` does it first): Dramatiq binds
each actor to the global broker when the actor is declared.
"""
