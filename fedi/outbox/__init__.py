"""Local authoring (posts now; follows, likes and outbound federation later)."""
