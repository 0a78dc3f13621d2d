"""UF2, the format of the RP2040's drag-and-drop boot drive: the flash image in 512-byte
blocks of 256 payload bytes, each with its target address and the chip family id.

Layout per block (little-endian words): magic 0x0A324655, magic 0x9E5D5157, flags (0x2000:
family id present), target address, payload size, block number, block count, family id,
476 data bytes (the payload, then zeros), magic 0x0AB16F30.
"""

import struct

MAGIC_START0, MAGIC_START1, MAGIC_END = 0x0A324655, 0x9E5D5157, 0x0AB16F30
FLAG_FAMILY_ID = 0x00002000
PAYLOAD = 256


def encode(image: bytes, base: int, family: int) -> bytes:
    """UF2 blocks for ``image`` placed at ``base`` (a multiple of 256, as the boot ROM writes pages)."""
    if base % PAYLOAD:
        raise ValueError(f"UF2 base 0x{base:x} is not a multiple of {PAYLOAD}")
    chunks = [image[i : i + PAYLOAD] for i in range(0, len(image), PAYLOAD)]
    blocks = []
    for n, chunk in enumerate(chunks):
        header = struct.pack(
            "<8I", MAGIC_START0, MAGIC_START1, FLAG_FAMILY_ID, base + n * PAYLOAD, PAYLOAD, n, len(chunks), family
        )
        blocks.append(header + chunk.ljust(476, b"\0") + struct.pack("<I", MAGIC_END))
    return b"".join(blocks)


def decode(data: bytes) -> dict[int, bytes]:
    """Target address -> payload, checking every block's magic numbers (for tests and tools)."""
    out = {}
    for off in range(0, len(data), 512):
        block = data[off : off + 512]
        m0, m1, _flags, addr, size, _n, _count, _family = struct.unpack_from("<8I", block)
        if (m0, m1, struct.unpack_from("<I", block, 508)[0]) != (MAGIC_START0, MAGIC_START1, MAGIC_END):
            raise ValueError(f"block at byte {off}: bad UF2 magic")
        out[addr] = block[32 : 32 + size]
    return out
