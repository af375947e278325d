"""Assets, their locations, fields and meters."""
