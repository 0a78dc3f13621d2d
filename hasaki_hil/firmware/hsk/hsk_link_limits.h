/* The wire protocol's frame sizes for the model in hsk_model.h (docs/protocol.md), included by
 * hsk_link.h: the frame buffer holds exactly the largest frame this firmware sends or takes,
 * and a model whose frames would pass the protocol's limit does not compile. hasaki-hil checks
 * the same before compiling (hasaki_hil/build/link_frames.py) and names the frame. */
#ifndef HSK_LINK_LIMITS_H
#define HSK_LINK_LIMITS_H

#define HSK_LINK_HEAD 4    /* version, type, sequence number (u16) */
#define HSK_LINK_LIMIT 512 /* the protocol's largest payload (docs/protocol.md; protocol.MAX_FRAME) */

/* The frame buffer holds the largest payload this firmware sends or takes, computed from the
 * model: a RUN request (the inputs), a RUN_REPLY (status, input digest, cycles, outputs) or a
 * HELLO_REPLY (name, clock, counter, model hash, n_in, n_out, flags). An ATtiny85 keeps only
 * what its model needs; a model whose frames pass the protocol's limit does not compile. */
#define HSK_LINK_BIGGER(a, b) ((a) > (b) ? (a) : (b))
#define HSK_LINK_RUN_BYTES (HSK_LINK_HEAD + HSK_N_IN * sizeof(hsk_in_t))
#define HSK_LINK_REPLY_BYTES (HSK_LINK_HEAD + 7 + HSK_N_OUT * sizeof(hsk_out_t))
#define HSK_LINK_HELLO_BYTES (HSK_LINK_HEAD + 43 + sizeof HSK_BOARD_NAME - 1)
#define HSK_LINK_MAX \
    HSK_LINK_BIGGER(HSK_LINK_BIGGER(HSK_LINK_RUN_BYTES, HSK_LINK_REPLY_BYTES), HSK_LINK_HELLO_BYTES)
/* C99 has no static_assert: an array of negative size stops the build. */
typedef char hsk_link_frame_fits_the_protocol_limit_of_512_bytes[(HSK_LINK_MAX <= HSK_LINK_LIMIT) ? 1 : -1];

#endif /* HSK_LINK_LIMITS_H */
