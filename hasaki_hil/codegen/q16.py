"""C for int8x16 layers (hsk_q16.h): their constants, buffers and lines of predict.

The first int8x16 layer reads predict's int16 inputs (``PREFIX_quantize_input`` puts raw
floats on its per-channel grid); a later one reads the int16 output of the one before, kept
in ``PREFIX_work16``. AVR builds split the int16 values into two int8 planes per layer
(``PREFIX_q16_planes``): the ATmega uses the int8 dot products on them, the ATtiny walks each
row once through the table of squares with the per-row constants ``NAME_sq`` generated here
(hsk_avr_q16.h). The row records of codegen/avr_rows.py are for ``int8`` layers only.
"""

import numpy as np

from hasaki_hil.model.variant import Variant, VLayer
from hasaki_hil.quant.int8x16 import low16

SQ_MAX_IN = 64  # hsk_avr_q16.h HSK_Q16_SQ_MAX_IN: wider layers take the planes' dot products


def constants(name: str, layer: VLayer, _array, _int, c_float) -> str:
    """The layer's arrays, written with cheader's array and literal helpers (passed in: no import cycle)."""
    text = _array("float", f"{name}_inmul", layer.in_mul, c_float) if layer.in_mul is not None else ""
    text += (
        _array("int8_t", f"{name}_q", layer.qweights, _int)
        + _array("int32_t", f"{name}_bias", c_bias(layer), _int)
        + _array("uint16_t", f"{name}_m", layer.multiplier, _int)
        + _array("uint8_t", f"{name}_shift", layer.shift, _int)
    )
    if layer.lut is not None:
        text += _array("int8_t", f"{name}_lut", layer.lut, _int, per_line=16)
    if layer.n_in <= SQ_MAX_IN:
        text += (
            "#if defined(__AVR__) && !defined(__AVR_HAVE_MUL__)\n"
            + _array("uint32_t", f"{name}_sq", sq_constants(layer), _int)
            + "#endif\n"
        )
    return text


def sq_constants(layer: VLayer) -> np.ndarray:
    """E = 257 sum(q_row^2) per row: the ATtiny's table walk needs it (hsk_avr_q16.h)."""
    return 257 * (layer.qweights.astype(np.int64) ** 2).sum(axis=1)


def c_bias(layer: VLayer) -> np.ndarray:
    """qbias + 128 sum(q_row): the C accumulates q (v - 128) (hsk_q16.h)."""
    return layer.qbias.astype(np.int64) + 128 * layer.qweights.astype(np.int64).sum(axis=1)


def buffers(P: str, v: Variant) -> str:
    """The AVR planes (as wide as the widest int8x16 input) and the int16 activations between
    int8x16 layers (two halves, as wide as the widest such output)."""
    n = max(layer.n_in for layer in v.layers if layer.kind == "int8x16")
    text = (
        "/* int8x16 inputs split into two int8 planes on AVR (hsk_q16.h) */\n"
        "#if defined(__AVR__)\n"
        f"static int8_t {P}_q16_planes[{2 * n}];\n#define {P.upper()}_Q16_PLANES {P}_q16_planes\n"
        f"#else\n#define {P.upper()}_Q16_PLANES ((int8_t *)0)\n#endif\n"
    )
    widths = [layer.n_out for layer in v.layers if layer.out_steps is not None]
    if widths:
        text += f"/* int16 activations between int8x16 layers */\nstatic int16_t {P}_work16[2][{max(widths)}];\n"
    return text + "\n"


def quantize_input(P: str, v: Variant) -> str:
    """``PREFIX_quantize_input``: raw floats onto the first layer's int16 grid, one multiply each."""
    return (
        f"/* raw float inputs -> the int16 inputs of {P}_predict (normalised and quantised in one multiply) */\n"
        f"static HSK_UNUSED void {P}_quantize_input(const float *x, int16_t *q)\n{{\n"
        f"    uint16_t i;\n    for (i = 0; i < {v.dims[0]}; i++)\n"
        f"        q[i] = hsk_quantize16(x[i], HSK_RD_F32(&{P}_in_offset[i]), HSK_RD_F32(&{P}_l1_inmul[i]));\n}}\n\n"
    )


def predict_line(P: str, name: str, layer: VLayer, src: str, dst: str) -> str:
    """One int8x16 layer from ``src`` (int16) into ``dst`` (int16 when it feeds another int8x16 layer, else int8)."""
    if layer.out_steps is not None:
        y16, zp, lo, lut = 1, 0, low16(layer), "0"
    else:
        y16 = 0
        zp = layer.pre_q.zero_point if layer.pre_q is not None else layer.out_q.zero_point
        lo = layer.out_q.zero_point if layer.activation == "relu" else -128
        lut = f"{name}_lut" if layer.lut is not None else "0"
    sq = f"HSK_Q16_SQ({name}_sq)" if layer.n_in <= SQ_MAX_IN else "(const uint32_t *)0"
    return (
        f"    hsk_dense_q16({src}, {P.upper()}_Q16_PLANES, {dst}, {y16}, {name}_q, {name}_bias, {name}_m, "
        f"{name}_shift, {sq}, {layer.n_in}, {layer.n_out}, {zp}, {lo}, {lut});\n"
    )
