"""Quantisation: integer arithmetic, schemes, calibration and the host references."""
