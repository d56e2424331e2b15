"""BingX perpetual swap v2: ``spec``, ``dialect``, ``parse``, ``client``
(:class:`~levkit.BingX`), ``probe`` (what tier discovery drives) and ``sim``."""
