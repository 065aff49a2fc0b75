"""The Mastodon-compatible client API (see README.md in this folder for the conventions)."""
