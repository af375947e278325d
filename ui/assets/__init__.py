"""Assets: the list and location tree, the asset form and its tabs."""
