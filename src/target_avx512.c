/* The kernels compiled for the avx512 target; setup.py supplies the ISA flags. */
#define XENTC_TARGET avx512
#define XENTC_TARGET_NAME "avx512"
#include "kernels_target.h"
