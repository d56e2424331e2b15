"""Per-venue tests: parse functions on the docs' payloads, signing, clients, simulator."""
