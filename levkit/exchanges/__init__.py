"""Exchange clients: one module per API, the differences kept in data."""
