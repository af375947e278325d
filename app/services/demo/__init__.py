"""The demo plant: a realistic office to try Keepwell on."""
