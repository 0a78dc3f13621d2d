/* math.h for the freestanding system-driver ESP32 builds (clang --target=xtensa has no C
 * library here): the functions the hasaki-hil runtime calls, defined in ../esp32_rt.c.
 * PlatformIO's ESP32 builds use newlib's math.h instead; this folder is not on their path. */
#ifndef HSK_ESP32_MATH_H
#define HSK_ESP32_MATH_H

float expf(float x);
float tanhf(float x);
float roundf(float x);

#endif
