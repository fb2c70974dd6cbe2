"""Engagement: opens, clicks, replies, reports and unsubscribes; tracking tokens, link
instrumenting, the activity feed."""
