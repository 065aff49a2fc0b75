"""WebFinger: resource parsing and JRD building (pure, `resource`) and lookups (`local`, later `lookup`)."""
