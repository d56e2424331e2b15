"""Binance COIN-M futures (``dapi``, coin-margined): ``spec`` (the declaration), ``dialect``
(USDⓈ-M's signing and errors for this API), ``parse``, ``client``
(:class:`~levkit.BinanceCoinM`) and ``sim`` (the simulator's handlers)."""
