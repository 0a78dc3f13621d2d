"""Targets that run a firmware on vectors: emulated cores, boards over serial, the fake board, and the wire protocol."""
