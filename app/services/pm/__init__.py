"""Preventive maintenance services: schedules, the check that raises orders, forecast."""
