"""Gate API v4 futures (USDT settle): ``spec`` (the declaration), ``dialect`` (signing,
errors by label), ``parse``, ``client`` (:class:`~levkit.Gate`) and ``sim`` (the
simulator's handlers)."""
