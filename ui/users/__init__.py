"""Users and My Account."""
