"""The simavr oracle the AVR core is checked against (also used by benchmarks/avr_vs_simavr.py)."""

from .simavr import OracleBatch, OracleError, OracleRun, driver, run_vectors

__all__ = ["OracleBatch", "OracleError", "OracleRun", "driver", "run_vectors"]
