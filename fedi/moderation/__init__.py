"""Moderation by users: blocks and mutes (`blocks`, `mutes`) and what reads need of them
(`relations`). Later: domain blocks, keyword filters, reports."""
