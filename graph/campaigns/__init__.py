"""Campaigns: queries, mutations and the membership-change subscription."""
