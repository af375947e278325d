"""Pieces every screen uses: table model and set-up, pickers, form dialog, notices, style."""
