"""Reports: engagement of sent emails over time (the `engagementReport` query)."""
