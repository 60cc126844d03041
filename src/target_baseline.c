/* The kernels for the architecture baseline (x86-64 SSE2, aarch64 NEON, or
 * plain C elsewhere): always built, always runnable. */
#define XENTC_TARGET baseline
#define XENTC_TARGET_NAME "baseline"
#include "kernels_target.h"
