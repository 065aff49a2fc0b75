"""Tests of blocks, mutes and account deletion (fedi.moderation, fedi.accounts.deletion)."""
