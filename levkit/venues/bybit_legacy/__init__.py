"""Bybit's abandoned v2 leverage endpoints: ``spec``, ``dialect``, ``parse``, ``client``
(:class:`~levkit.BybitLegacy`) and ``sim``."""
