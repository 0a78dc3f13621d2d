"""hasaki-hil: from a CSV file to a microcontroller, proved on the target before flashing."""

__version__ = "0.1.0"
