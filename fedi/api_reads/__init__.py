"""Reads of the Mastodon client API: statuses, accounts and timelines as entities need them.

Each function decides visibility through `fedi.visibility` (the same rules as the web pages) and
loads related rows in batch (`bundles`), so `fedi.web.api.entities` only formats.
"""
