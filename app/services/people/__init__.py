"""People: user accounts, signing in, and the workers orders are assigned to."""
