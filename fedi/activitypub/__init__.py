"""Pure ActivityPub code: vocabulary, JSON-LD, signatures, keys. No I/O."""
