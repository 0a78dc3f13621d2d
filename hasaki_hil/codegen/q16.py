"""C for the int8x16 first layer (hsk_q16.h): its constants and its two lines of predict.

The layer reads the raw float inputs itself (normalisation and int16 quantisation in one
multiply, ``hsk_quantize16``) into its own int16 buffer, so the float work buffer is never
read through an int16 pointer. AVR builds use the generic C kernel: the row records of
codegen/avr_rows.py are for ``int8`` layers only and are not generated here.
"""

from hasaki_hil.model.variant import VLayer


def constants(name: str, layer: VLayer, _array, _int, c_float) -> str:
    """The layer's arrays, written with cheader's array and literal helpers (passed in: no import cycle)."""
    text = (
        _array("float", f"{name}_inmul", layer.in_mul, c_float)
        + _array("int8_t", f"{name}_q", layer.qweights, _int)
        + _array("int32_t", f"{name}_bias", layer.qbias, _int)
        + _array("uint16_t", f"{name}_m", layer.multiplier, _int)
        + _array("uint8_t", f"{name}_shift", layer.shift, _int)
    )
    if layer.lut is not None:
        text += _array("int8_t", f"{name}_lut", layer.lut, _int, per_line=16)
    return text


def buffer(P: str, layer: VLayer) -> str:
    return f"/* the int16 inputs of the int8x16 first layer */\nstatic int16_t {P}_in16[{layer.n_in}] HSK_UNUSED;\n\n"


def predict_lines(P: str, name: str, layer: VLayer, dst: str) -> str:
    """Quantise ``in`` onto the int16 grid, then the layer into ``dst`` (int8)."""
    zp = layer.pre_q.zero_point if layer.pre_q is not None else layer.out_q.zero_point
    lo = layer.out_q.zero_point if layer.activation == "relu" else -128
    lut = f"{name}_lut" if layer.lut is not None else "0"
    return (
        f"    for (i = 0; i < {layer.n_in}; i++)\n"
        f"        {P}_in16[i] = hsk_quantize16(in[i], HSK_RD_F32(&{P}_in_offset[i]), HSK_RD_F32(&{name}_inmul[i]));\n"
        f"    hsk_dense_q16({P}_in16, {dst}, {name}_q, {name}_bias, {name}_m, {name}_shift, "
        f"{layer.n_in}, {layer.n_out}, {zp}, {lo}, {lut});\n"
    )
