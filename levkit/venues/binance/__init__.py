"""Binance USDⓈ-M futures: ``spec`` (the declaration), ``dialect`` (signing, errors),
``parse``, ``client`` (:class:`~levkit.Binance`) and ``sim`` (the simulator's handlers)."""
