/* Host harness: float input vectors on stdin, the model's native outputs on stdout.
 * Used by the host proof (hasaki_hil/hostproof.py) to compare the generated C with the
 * host reference. An int8- or int16-input model also runs its own hsk_quantize_input here. */
#include <stdio.h>

#include "hsk_model.h"

int main(void)
{
    float raw[HSK_N_IN];
    hsk_in_t in[HSK_N_IN];
    hsk_out_t out[HSK_N_OUT];
    while (fread(raw, sizeof raw, 1, stdin) == 1) {
#if HSK_IN_INT8 || defined(HSK_IN_INT16)
        hsk_quantize_input(raw, in);
#else
        unsigned i;
        for (i = 0; i < HSK_N_IN; i++)
            in[i] = raw[i];
#endif
        if (hsk_predict(in, out) != HSK_OK)
            return 2;
        if (fwrite(out, sizeof out, 1, stdout) != 1)
            return 3;
    }
    return 0;
}
