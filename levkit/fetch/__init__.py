"""Fetching ladders from many places at once: many venues concurrently (``many``) and any
ccxt exchange (``ccxt_bridge``, with its per-venue ``ccxt_roads``); ccxt loads on use."""
