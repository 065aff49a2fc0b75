"""OAuth2 for the Mastodon client API: apps, authorization, tokens and scopes."""
