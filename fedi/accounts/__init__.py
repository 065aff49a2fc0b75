"""Local accounts: sign-up, credentials, sessions, roles."""
