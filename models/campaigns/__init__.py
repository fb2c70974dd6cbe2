"""Campaigns (sequences)."""
