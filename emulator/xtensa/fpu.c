/* FP conversions for the execution loop: the float-to-integer instructions with the IEEE-754
 * flags the ISA (and QEMU) raise. */
#include "cpu.h"
#include "_isa.h"
#include <float.h>
#include <math.h>

uint32_t f_to_int(float f, unsigned scale, unsigned op)
{
    double x = (double)f * (double)(1u << scale); /* exact */
    if (isfinite(f) && fabs(x) > FLT_MAX) /* the scaling itself overflows single precision */
        feraiseexcept(FE_OVERFLOW | FE_INEXACT);
    if (isnan(x)) {
        feraiseexcept(FE_INVALID);
        return op == OP_UTRUNC_S ? 0xffffffffu : 0x7fffffffu;
    }
    double r;
    fexcept_t flags; /* libm's trunc/floor/ceil may raise inexact: the flags are decided below */
    fegetexceptflag(&flags, FE_ALL_EXCEPT);
    switch (op) {
    case OP_ROUND_S: { /* to nearest, ties to even, whatever FCR says */
        double fl = floor(x), d = x - fl;
        r = d > 0.5 ? fl + 1 : d < 0.5 ? fl : (fmod(fl, 2.0) == 0 ? fl : fl + 1);
        break;
    }
    case OP_FLOOR_S: r = floor(x); break;
    case OP_CEIL_S: r = ceil(x); break;
    default: r = trunc(x);
    }
    fesetexceptflag(&flags, FE_ALL_EXCEPT);
    if (op == OP_UTRUNC_S) {
        if (r < 0) { /* -1 or less: invalid, and the signed conversion's (saturated) result */
            feraiseexcept(FE_INVALID);
            return r < -2147483648.0 ? 0x80000000u : (uint32_t)(int32_t)r;
        }
        if (r > 4294967295.0) {
            feraiseexcept(FE_INVALID);
            return 0xffffffffu;
        }
        if (r != x)
            feraiseexcept(FE_INEXACT);
        return (uint32_t)r;
    }
    if (r > 2147483647.0 || r < -2147483648.0) {
        feraiseexcept(FE_INVALID);
        return r > 0 ? 0x7fffffffu : 0x80000000u;
    }
    if (r != x)
        feraiseexcept(FE_INEXACT);
    return (uint32_t)(int32_t)r;
}

/* The cycle at which an instruction reading its sources may issue (load-use and other result
 * latencies: ready[] holds when each register's pending result arrives). */
