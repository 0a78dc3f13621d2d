/* Dot products as a quantised network's dense layer computes them: float32, and int8 with an
 * int32 accumulator. Compiled with clang for the ESP32 by the tests and the benchmark. */
#include <stdint.h>

float hsk_fdot(const float *a, const float *b, int n)
{
    float s = 0.0f;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

int32_t hsk_idot(const int8_t *a, const int8_t *b, int n)
{
    int32_t s = 0;
    for (int i = 0; i < n; i++)
        s += (int32_t)a[i] * b[i];
    return s;
}

#define N 256
float fa[N], fb[N];
int8_t ia[N], ib[N];
volatile float fout;
volatile int32_t iout;
int repeat = 1;
int kernels = 3; /* 1: the float product, 2: the int8 one */

int main(void)
{
    for (int r = 0; r < repeat; r++) {
        if (kernels & 1)
            fout = hsk_fdot(fa, fb, N);
        if (kernels & 2)
            iout = hsk_idot(ia, ib, N);
    }
    return 0;
}
