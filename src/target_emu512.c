/* The AVX-512 kernel layout (64-byte vectors: 16 float / 8 double lanes)
 * compiled for the baseline ISA, where GCC emulates the wide vectors. Never
 * picked automatically: it exists so that the tests exercise the 16-lane
 * code paths (tails, masks, column blocks) on machines without AVX-512. */
#define XENTC_TARGET emu512
#define XENTC_TARGET_NAME "emu512"
#include "kernels_target.h"
