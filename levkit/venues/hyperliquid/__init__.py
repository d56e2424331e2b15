"""Hyperliquid perps: ``spec`` (the declaration), ``dialect`` (bare JSON over ``POST /info``),
``parse`` (meta and account answers -> frames), ``client`` (:class:`~levkit.Hyperliquid`)
and ``sim`` (the simulator's ``/info`` and ``/exchange`` handlers).

levkit only reads Hyperliquid: setting leverage is an EIP-712 wallet-signed action."""
