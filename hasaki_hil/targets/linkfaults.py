"""Byte-level faults for test links: flipped, dropped and inserted bytes at given rates."""

import numpy as np


class LinkFaults:
    def __init__(self, flip_rate: float = 0.0, drop_rate: float = 0.0, insert_rate: float = 0.0, seed: int = 0):
        self.flip, self.drop, self.insert = flip_rate, drop_rate, insert_rate
        self.rng = np.random.default_rng(seed)

    def apply(self, data: bytes) -> bytes:
        if not (self.flip or self.drop or self.insert):
            return data
        out = bytearray()
        for b in data:
            r = self.rng.random()
            if r < self.drop:
                continue
            if r < self.drop + self.flip:
                b ^= 1 << int(self.rng.integers(8))
            out.append(b)
            if self.rng.random() < self.insert:
                out.append(int(self.rng.integers(256)))
        return bytes(out)
