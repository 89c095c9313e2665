"""Getting data into the store: rows already in a table's schema, and raw Windows telemetry."""
