"""C for the int8x16 first layer (hsk_q16.h): its constants and its two lines of predict.

The layer reads the raw float inputs itself (normalisation and int16 quantisation in one
multiply, ``hsk_quantize16``) into its own two int8 planes, so the float work buffer is
never read through another pointer type. AVR builds use the generic C kernel: the row records of
codegen/avr_rows.py are for ``int8`` layers only and are not generated here.
"""

import numpy as np

from hasaki_hil.model.variant import VLayer


def constants(name: str, layer: VLayer, _array, _int, c_float) -> str:
    """The layer's arrays, written with cheader's array and literal helpers (passed in: no import cycle)."""
    text = (
        _array("float", f"{name}_inmul", layer.in_mul, c_float)
        + _array("int8_t", f"{name}_q", layer.qweights, _int)
        + _array("int32_t", f"{name}_bias", c_bias(layer), _int)
        + _array("uint16_t", f"{name}_m", layer.multiplier, _int)
        + _array("uint8_t", f"{name}_shift", layer.shift, _int)
    )
    if layer.lut is not None:
        text += _array("int8_t", f"{name}_lut", layer.lut, _int, per_line=16)
    return text


def c_bias(layer: VLayer) -> np.ndarray:
    """qbias + 128 sum(q_row): the C splits each int16 input v into 256 hi + lo + 128 (hsk_q16.h)."""
    return layer.qbias.astype(np.int64) + 128 * layer.qweights.astype(np.int64).sum(axis=1)


def buffer(P: str, layer: VLayer) -> str:
    n = layer.n_in
    return (
        "/* the int16 inputs of the int8x16 first layer, as two int8 planes (hsk_q16.h) */\n"
        f"static int8_t {P}_in_hi[{n}] HSK_UNUSED;\nstatic int8_t {P}_in_lo[{n}] HSK_UNUSED;\n\n"
    )


def predict_lines(P: str, name: str, layer: VLayer, dst: str) -> str:
    """Quantise ``in`` onto the int16 grid, then the layer into ``dst`` (int8)."""
    zp = layer.pre_q.zero_point if layer.pre_q is not None else layer.out_q.zero_point
    lo = layer.out_q.zero_point if layer.activation == "relu" else -128
    lut = f"{name}_lut" if layer.lut is not None else "0"
    return (
        f"    for (i = 0; i < {layer.n_in}; i++)\n"
        f"        hsk_quantize16(in[i], HSK_RD_F32(&{P}_in_offset[i]), HSK_RD_F32(&{name}_inmul[i]), "
        f"&{P}_in_hi[i], &{P}_in_lo[i]);\n"
        f"    hsk_dense_q16({P}_in_hi, {P}_in_lo, {dst}, {name}_q, {name}_bias, {name}_m, {name}_shift, "
        f"{layer.n_in}, {layer.n_out}, {zp}, {lo}, {lut});\n"
    )
