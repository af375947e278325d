"""The preventive-maintenance engine (DESIGN.md section 4): its date arithmetic first."""
