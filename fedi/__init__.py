"""fedi: a federated ActivityPub server."""

__version__ = "0.1.0"
