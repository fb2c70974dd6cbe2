"""Sending rules: who may send what and when, quotas, what a claimed email becomes on the wire,
batch SQL. No transport code."""
