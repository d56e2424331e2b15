"""``DataFrame.lev``: the model and plots as methods on a tiers frame (filled in by the model issue)."""
