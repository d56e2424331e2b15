"""Pure parse functions: exchange JSON (already decoded) -> levkit frames.  No IO here."""
