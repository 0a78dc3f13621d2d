"""Row records for the AVR int8 layer kernels (firmware/hsk/hsk_avr_rows.h).

The AVR kernels read one int8 layer as a single flash stream, row after row, so the one
flash pointer (Z) never has to jump between arrays. Each record holds the row's constants
in the form the kernel's arithmetic wants; the function computed is still exactly
``reference.int8_layer`` (qmath's requantisation), which tests/test_avr_rows.py checks in
simavr.

ATmega (hardware MUL), per row: ``[bias: 3][q: n][t0 >> 16: 1][m': 3]``; k is the layer's
  ``{name}_q_k``, an immediate of the kernel, or (0) where rows need different k, it is in the
  top two bits of m' (which is below 2^22): K_FLAGS, 0 for k = 3; rows go in pairs,
  ``[bias_a][bias_b][q_a0 q_b0 q_a1 q_b1 ...][tail_a][tail_b]`` (the kernel loads each
  input once for both), the odd last row alone
  acc = bias + sum q x in 24 bits; a row whose acc is below t0 (compared on its top byte:
  acc >> 16 < t0 >> 16 implies acc < t0) gives the lowest output without requantising (a
  dead relu, say); else y = (acc * m' + 2^(8k-1)) >> 8k, where m' = M << j and
  8k = shift + j: the same value as (acc * M + 2^(shift-1)) >> shift, with a shift of whole
  bytes (no bit shifts on a 48-bit product). A row with k >= 6 gets m' = 0 (y = 0 either way).

ATtiny (no multiplier), per row: ``[d: 3][q: n][t0 >> 16: 1][m: 2][3r: 1][l: 1]``, the 3r and
  l bytes only in a layer whose rows need different values (``{name}_q_r`` / ``{name}_q_l``
  = -1; else the value, an immediate of the kernel)
  2 q x = x^2 + q^2 - (x - q)^2, so with X2 = sum x^2 (once per layer) and one table
  lookup of (x - q)^2 per weight, 2 acc = d + X2 - sum (x - q)^2 with d = 2 bias + sum q^2.
  A row with a2 = 2 acc below t0 (compared on its top byte) gives the lowest output
  without requantising (a dead relu, say). Otherwise a2 is requantised with shift s+1: 15 signed shift-and-add steps
  over the bits of M and r more shifts give Q = floor(a2 M / 2^(15+r)), and
  y = (Q >> 8l + 1) >> 1, where s = 15 + r + 8 l + 1; l >= 3 is stored as 3 (y = 0). In a
  layer whose rows' l differ, r takes up to 15 so that they share the smallest l.

Both kernels then range-check z = y + zp - lo (24 bits, zp - lo added in the rounding's
carry chain) against [0, 127 - lo] and store z + lo, or lo below, 127 above: the clamp of
the generated C (and of the reference) in one check.

A layer gets records only when its 24-bit accumulators cannot overflow on any input and its
shifts are ones the kernels have cases for (``None`` otherwise: the generic kernel runs).
"""

import numpy as np

from hasaki_hil.model.variant import VLayer
from hasaki_hil.quant.qmath import fold_bias

MAX_IN = 64  # inputs of one layer the unrolled kernels take (code size grows with n)
MAX_OUT = 255  # rows: the kernels count them down in one 8-bit register
ACC_LIMIT = 2**23  # 24-bit signed accumulators


def _le(value: int, n: int) -> list[int]:
    return [(int(value) >> (8 * i)) & 0xFF for i in range(n)]


def mul_records(layer: VLayer) -> list[int] | None:
    """The ATmega (MUL) records of an int8 layer, or None when a 24-bit accumulator could overflow."""
    q = layer.qweights.astype(np.int64)
    if q.shape[1] > MAX_IN or q.shape[0] > MAX_OUT:
        return None
    bias = fold_bias(layer.qbias, layer.qweights, layer.in_q.zero_point)
    if np.any(np.abs(bias) + np.abs(q).sum(axis=1) * 128 >= ACC_LIMIT):
        return None
    if np.any((layer.multiplier != 0) & (layer.shift < 9)):
        return None  # k = 1: a shift the kernel has no case for (real multipliers >= 2^6)
    y0 = _lowest_y(layer)
    k_layer = mul_k(layer)

    def tail(o: int) -> list[int]:
        m, s = int(layer.multiplier[o]), int(layer.shift[o])
        mp, k = _mul_scale(m, s)
        if not k_layer:  # per row: k in the two free top bits of m' (< 2^22)
            mp |= K_FLAGS[k] << 22
        return _le(_dead_below(m, s, y0) >> 16, 1) + _le(mp, 3)

    out: list[int] = []
    n_out = q.shape[0]
    for o in range(0, n_out - 1, 2):  # pairs: both biases, the weights interleaved, both tails
        both = np.stack([q[o], q[o + 1]], axis=1).ravel()
        out += _le(bias[o], 3) + _le(bias[o + 1], 3) + _le_signed_bytes(both) + tail(o) + tail(o + 1)
    if n_out % 2:
        o = n_out - 1
        out += _le(bias[o], 3) + _le_signed_bytes(q[o]) + tail(o)
    return out


K_FLAGS = {3: 0, 4: 1, 2: 2, 5: 3}  # top two bits of a per-row m': 0 (k = 3) is the fast path


def _mul_scale(m: int, s: int) -> tuple[int, int]:
    """(m', k) of one row: m' = M << j, 8k = s + j; (0, 3) where y = 0 for every accumulator:
    M = 0, or k >= 6 (|acc M'| < 2^45)."""
    j = (-s) % 8
    if m == 0 or (s + j) // 8 >= 6:
        return 0, 3
    return m << j, (s + j) // 8


def mul_k(layer: VLayer) -> int:
    """The byte shift k shared by every row of the layer (rows with m' = 0 take any), or 0
    when the rows need different ones (then each row's m' carries its own)."""
    ks = {k for mp, k in (_mul_scale(int(m), int(s)) for m, s in zip(layer.multiplier, layer.shift)) if mp}
    return ks.pop() if len(ks) == 1 else (3 if not ks else 0)


def _sq_scale(m: int, s: int) -> tuple[int, int]:
    """(r, l) of one row, s the shift of a2 = 2 acc: s - 1 = 15 + r + 8 l, l at most 3 (y = 0)."""
    if m == 0:
        return 0, 3  # y = 0: every byte shifted out
    lb = (s - 16) // 8
    return s - 1 - 8 * lb - 15, min(lb, 3)


MAX_R = 15  # right shifts after the 15 steps the ATtiny kernel takes from a record


def sq_rl(layer: VLayer) -> tuple[int, int]:
    """(r, l) shared by every row of the layer that requantises, each -1 where rows differ."""
    return sq_plan(layer)[:2]


def sq_plan(layer: VLayer) -> tuple[int, int, list[tuple[int, int]]]:
    """(r, l of the layer, each -1 where rows differ; (r, l) per row). A row with M = 0 needs
    l = 3 (its y is 0) unless it is always dead (then any value does). Rows whose l differ
    share the smallest one where the others fit in more shifts (r + 8 (l - l_min) <= MAX_R:
    Q >> 8 is Q shifted 8 more times) and the extra shifts cost less than reading and
    dispatching l in every row (one row of eight at l + 1, say), so that l is an immediate."""
    y0 = _lowest_y(layer)
    rows = [_sq_scale(int(m), int(s) + 1) for m, s in zip(layer.multiplier, layer.shift)]
    live = [(m != 0, rl) for m, rl in zip(layer.multiplier, rows) if m != 0 or y0 < 0]
    ls = {lb for _, (_, lb) in live}
    low = min(ls, default=0)
    extra = sum(lb - low for _, (_, lb) in live)  # 8 shifts of 3 cycles each instead of a dispatch of 8
    fits = all(r + 8 * (lb - low) <= MAX_R for _, (r, lb) in live)
    if len(ls) > 1 and 3 not in ls and fits and 24 * extra < 8 * len(live):
        rows = [(r + 8 * (lb - low), low) if lb < 3 else (r, lb) for r, lb in rows]
        live = [(nz, (r + 8 * (lb - low), low)) for nz, (r, lb) in live]
        ls = {low}
    rs = {r for nz, (r, _) in live if nz}
    r_layer = rs.pop() if len(rs) == 1 else (0 if not rs else -1)
    l_layer = ls.pop() if len(ls) == 1 else (0 if not ls else -1)
    return r_layer, l_layer, rows


def _lowest_y(layer: VLayer) -> int:
    zp, lo = clamp_bounds(layer)
    return lo - zp  # the output is lo exactly when y <= lo - zp


def _dead_below(m: int, s: int, y0: int) -> int:
    """t0: (a m + 2^(s-1)) >> s <= y0 exactly when a < t0, within the 24-bit range (the
    kernels compare the top byte, t0 >> 16: a >> 16 < t0 >> 16 implies a < t0; rows with
    a >= t0 requantise and clamp, so the coarse test is only slower, never wrong)."""
    if m == 0:
        t0 = ACC_LIMIT - 1 if y0 >= 0 else -ACC_LIMIT
    else:  # y <= y0  <=>  a m < (2 y0 + 1) 2^(s-1)
        t0 = -((-(2 * y0 + 1) << (s - 1)) // m)
    return min(max(t0, -ACC_LIMIT), ACC_LIMIT - 1)


def _le_signed_bytes(row: np.ndarray) -> list[int]:
    return [int(v) & 0xFF for v in row]


def _square_bound(q: np.ndarray) -> np.ndarray:
    """Per row, the largest sum of (x - q)^2 over int8 inputs x."""
    return np.maximum((128 + q) ** 2, (127 - q) ** 2).sum(axis=1)


def clamp_bounds(layer: VLayer) -> tuple[int, int]:
    """(zero point added after requantisation, lowest output) as the generated code passes them."""
    zp = layer.pre_q.zero_point if layer.pre_q is not None else layer.out_q.zero_point
    lo = layer.out_q.zero_point if layer.activation == "relu" else -128
    return int(zp), int(lo)


def sq_records(layer: VLayer) -> list[int] | None:
    """The ATtiny (no MUL) records of an int8 layer, or None when a 24-bit accumulator could overflow."""
    q = layer.qweights.astype(np.int64)
    n = q.shape[1]
    if n > MAX_IN or q.shape[0] > MAX_OUT:
        return None
    bias = fold_bias(layer.qbias, layer.qweights, layer.in_q.zero_point)
    d = 2 * bias + (q * q).sum(axis=1)
    # the running value d + X2 - partial sums of squares at its extremes, and the final
    # 2 acc with a bit to spare for the signed shift-and-add
    if np.any(np.abs(d) + n * 128 * 128 + _square_bound(q) >= ACC_LIMIT) or np.any(
        2 * (np.abs(bias) + np.abs(q).sum(axis=1) * 128) >= ACC_LIMIT // 2
    ):
        return None
    if np.any((layer.multiplier != 0) & (layer.shift < 15)):
        return None  # s - 1 < 15: fewer shifts than the 15 steps make (real multipliers >= 1/2)
    y0 = _lowest_y(layer)
    r_layer, l_layer, rls = sq_plan(layer)
    out: list[int] = []
    for o in range(q.shape[0]):
        m, s = int(layer.multiplier[o]), int(layer.shift[o]) + 1  # a2 = 2 acc: one more bit
        r, lb = rls[o]
        t0 = _dead_below(m, s, y0)
        out += _le(d[o], 3) + _le_signed_bytes(q[o]) + _le(t0 >> 16, 1) + _le(m, 2)
        out += ([3 * r] if r_layer < 0 else []) + ([lb] if l_layer < 0 else [])
    return out


def c_arrays(name: str, layer: VLayer) -> str:
    """The AVR record arrays of one int8 layer (``{name}_q_rec``, with ``{name}_q_fast`` and
    the per-layer immediates ``{name}_q_k``, ``{name}_q_r``, ``{name}_q_l``)."""
    r, lb = sq_rl(layer)
    parts = ["#if defined(__AVR_HAVE_MUL__)\n", _rec_array(name, mul_records(layer), mul_k(layer), 0, 0)]
    parts += ["#elif defined(__AVR__)\n", _rec_array(name, sq_records(layer), 0, r, lb), "#endif\n"]
    return "".join(parts)


def _rec_array(name: str, rec: list[int] | None, k: int, r: int, lb: int) -> str:
    fast = rec is not None
    vals = rec if fast else [0]
    lines = [", ".join(map(str, vals[i : i + 16])) for i in range(0, len(vals), 16)]
    body = ",\n    ".join(lines)
    return (
        f"enum {{ {name}_q_fast = {int(fast)}, {name}_q_k = {k}, {name}_q_r = {r}, {name}_q_l = {lb} }};\n"
        f"static const uint8_t {name}_q_rec[{len(vals)}] HSK_FLASH = {{\n    {body}\n}};\n"
    )
