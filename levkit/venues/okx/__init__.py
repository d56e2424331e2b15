"""OKX API v5, USDT-margined swaps: ``spec`` (the declaration), ``dialect`` (signing,
envelope), ``parse``, ``client`` (:class:`~levkit.OKX`) and ``sim`` (the simulator's
handlers)."""
