"""Figures (and, for comparisons, reports) built from simulation results."""
