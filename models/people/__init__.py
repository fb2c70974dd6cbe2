"""Prospects: the people emails go to."""
