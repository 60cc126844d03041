/* The kernels compiled for the avx2 target; setup.py supplies the ISA flags. */
#define XENTC_TARGET avx2
#define XENTC_TARGET_NAME "avx2"
#include "kernels_target.h"
