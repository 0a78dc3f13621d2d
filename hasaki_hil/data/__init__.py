"""Datasets: CSV files in Hasaki's format loaded, checked and split."""
