"""Storage: the only package with SQL. Functions take a connection (Tx or reader) first."""
