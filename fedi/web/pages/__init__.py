"""Server-rendered pages for people (one module per page family)."""
