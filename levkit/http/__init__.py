"""The call path below the clients: the request on the wire, the one transport, its retries
and rate limits, secrets kept out of reprs, and venue-free HMAC helpers (no venue here)."""
