"""Tortoise models and the domain rules of Command Center.

This package is the one place that decides what may happen to an email: the GraphQL layer and the
workers both call into it.
"""
