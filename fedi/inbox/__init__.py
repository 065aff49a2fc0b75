"""Inbound federation: receive (verify, dedupe, queue), dispatch, and the activity handlers."""
