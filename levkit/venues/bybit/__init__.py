"""Bybit v5: ``spec`` (the declaration), ``dialect`` (signing, envelope), ``parse``,
``client`` (:class:`~levkit.Bybit`) and ``sim`` (the simulator's handlers)."""
