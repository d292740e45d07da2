"""One module per additional pack (the Western Balkans pack is :mod:`indicators.sources.pack`)."""
