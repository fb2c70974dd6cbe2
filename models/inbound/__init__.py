"""Inbound mail: the log of received messages, their parsing and processing."""
