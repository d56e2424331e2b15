"""BingX perpetual swap v2: ``spec``, ``dialect`` (signing, envelope), ``parse``,
``client`` (:class:`~levkit.BingX`), ``discovery`` (the safe tier-probing session
``BingX.discover_tiers`` runs) and ``sim``."""
