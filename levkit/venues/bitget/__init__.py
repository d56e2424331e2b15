"""Bitget v2 mix (USDT-FUTURES): ``spec`` (the declaration), ``dialect`` (signing,
envelope), ``parse``, ``client`` (:class:`~levkit.Bitget`) and ``sim`` (the simulator's
handlers)."""
