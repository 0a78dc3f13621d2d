"""Integer primitives of the int8 scheme, mirrored exactly by the C kernels.

Rules (the C runtime implements the same, bit for bit):
- Rounding of floats to integers is half away from zero (C ``roundf``).
- Affine int8: q = clamp(round(x * inv_scale) + zero_point, -128, 127), with
  ``inv_scale`` a float32 constant and the product rounded to float32 first;
  x = (q - zero_point) * scale in float32.
- Requantisation of an int32 accumulator: y = (acc * M + 2**(shift-1)) >> shift, an
  arithmetic (floor) shift, so halves round up (towards +inf). M is a 15-bit mantissa in
  [2**14, 2**15) and 16 <= shift <= 62 (multipliers below 0.5); acc * M needs at most 46 bits. On an 8-bit
  AVR the kernel forms the product from a 16x32 split in 32-bit pieces; every 32-bit
  target can use one int64 product. Why 15 bits and not TFLite's 31: the error it adds is
  below 1/500 of an int8 step, and it keeps the AVR requantisation cheap.
"""

import math

import numpy as np

MANTISSA_BITS = 15
MIN_SHIFT = 16  # the C requantiser splits the product at bit 16 (see hsk_requantize)


def round_half_away(x: np.ndarray) -> np.ndarray:
    """C ``roundf``: exact for float32 inputs, which convert to float64 without loss."""
    v = np.asarray(x, np.float64)
    return np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5))


def quantize(x: np.ndarray, inv_scale: np.float32, zero_point: int) -> np.ndarray:
    """Float32 values to int8 with a float32 reciprocal scale (the device's float path)."""
    prod = np.asarray(x, np.float32) * np.float32(inv_scale)
    return np.clip(round_half_away(prod) + zero_point, -128, 127).astype(np.int8)


def dequantize(q: np.ndarray, scale: np.float32, zero_point: int) -> np.ndarray:
    return (np.asarray(q, np.int32) - zero_point).astype(np.float32) * np.float32(scale)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """(M, shift) with M / 2**shift ~= real, M in [2**14, 2**15); (0, 1) for zero."""
    if not real > 0 or not math.isfinite(real):
        if real == 0:
            return 0, 1
        raise ValueError(f"requantisation multiplier must be finite and >= 0, got {real}")
    frac, exp = math.frexp(real)  # real = frac * 2**exp, frac in [0.5, 1)
    m = int(round(frac * (1 << MANTISSA_BITS)))
    if m == 1 << MANTISSA_BITS:
        m //= 2
        exp += 1
    shift = MANTISSA_BITS - exp
    if shift > 62:  # too small to matter: every int32 accumulator maps to 0
        return 0, 1
    if shift < 1:
        raise ValueError(f"requantisation multiplier {real} is too large (>= 2**14)")
    return m, shift


def requantize(acc: np.ndarray, multiplier: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """(acc * M + 2**(shift-1)) >> shift in int64, elementwise (broadcasting per channel)."""
    acc = np.asarray(acc, np.int64)
    m = np.asarray(multiplier, np.int64)
    s = np.asarray(shift, np.int64)
    return (acc * m + (np.int64(1) << (s - 1))) >> s


def fold_bias(qbias: np.ndarray, qweights: np.ndarray, in_zero_point: int) -> np.ndarray:
    """The accumulator's start value: qbias - zp_in * sum(row), so the inner loop is sum(w * q)."""
    rows = np.asarray(qweights, np.int64).sum(axis=1)
    return np.asarray(qbias, np.int64) - np.int64(in_zero_point) * rows


def choose_affine(lo: float, hi: float, min_scale: float = 0.0) -> tuple[np.float32, int]:
    """Asymmetric int8 (scale, zero_point) covering [lo, hi], which is widened to hold 0.

    ``min_scale`` keeps a near-constant tensor (a dead relu, say) from getting a grid so
    fine that its requantisation multiplier would not fit.
    """
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-12:
        hi = lo + 1e-12
    scale = np.float32(max((hi - lo) / 255.0, min_scale))
    zp = int(np.clip(round_half_away(np.float32(-128.0 - lo / float(scale))), -128, 127))
    return scale, zp


def symmetric_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row symmetric int8 (q in -127..127, scale = max|row| / 127) of a float matrix."""
    w = np.asarray(w, np.float32)
    amax = np.max(np.abs(w), axis=1)
    scale = np.where(amax > 0, amax / np.float32(127.0), np.float32(1.0)).astype(np.float32)
    q = np.clip(round_half_away(w / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale
