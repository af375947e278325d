"""Work requests: the list, filing, deciding."""
