"""The wire protocol's frame sizes (one place: protocol.py takes them from here) and the serial
firmware's frames checked against the limit before anything is compiled.

hsk_link.h sizes its frame buffer (HSK_LINK_MAX) from the model and stops the build with a C
static assertion when a frame would pass HSK_LINK_LIMIT; this check says the same in words,
naming the frame, its size and the limit. docs/protocol.md gives the same numbers."""

import numpy as np

from hasaki_hil.errors import UserError

MAX_FRAME = 512  # payload bytes (HSK_LINK_LIMIT in C); longer frames are garbage by definition
HEAD = 4  # version, type, sequence number u16
RUN_REPLY_HEAD = 7  # status u8, input digest u16, cycles u32
HELLO_FIXED = 43  # name length, clock, counter, model hash, n_in, n_out, flags (plus the name)


def frame_sizes(n_in: int, in_width: int, n_out: int, out_width: int, board: str) -> dict:
    """Payload bytes of the frames a firmware with this model exchanges (HSK_LINK_MAX in C)."""
    return {
        "RUN": HEAD + n_in * in_width,
        "RUN_REPLY": HEAD + RUN_REPLY_HEAD + n_out * out_width,
        "HELLO_REPLY": HEAD + HELLO_FIXED + len(board),
    }


def check(variant, board_name: str) -> dict:
    """Payload bytes of each frame the variant's serial firmware exchanges; UserError over the limit."""
    sizes = frame_sizes(
        variant.dims[0],
        np.dtype(variant.input_dtype).itemsize,
        variant.dims[-1],
        np.dtype(variant.output_dtype).itemsize,
        board_name,
    )
    worst = max(sizes, key=sizes.get)
    if sizes[worst] > MAX_FRAME:
        raise UserError(
            f"this model's {worst} frame would be {sizes[worst]} payload bytes, over the wire protocol's limit "
            f"of {MAX_FRAME} (HSK_LINK_LIMIT in firmware/hsk/hsk_link.h); the serial firmware cannot carry it",
            hint="fewer inputs or outputs, or int8 inputs/outputs (1 byte each instead of 4); "
            "the emulator harness (--harness emu) has no such limit",
        )
    return sizes
