/* dispatch.c -- picks the kernel table for this CPU.
 *
 * setup.py compiles src/target_<isa>.c once per ISA the compiler supports and
 * defines XENTC_HAVE_<ISA> here for each one it built. At import the Python
 * layer calls xentc_select() with the best supported target (or the one named
 * by the XENTC_SIMD environment variable); kernels are then called through
 * the returned table, one indirect call per block of rows.
 */
#include <string.h>
#include "xentc_kernels.h"

extern const xentc_kernel_table xentc_table_baseline;
#ifdef XENTC_HAVE_EMU512
extern const xentc_kernel_table xentc_table_emu512;
#endif
#ifdef XENTC_HAVE_AVX2
extern const xentc_kernel_table xentc_table_avx2;
#endif
#ifdef XENTC_HAVE_AVX512
extern const xentc_kernel_table xentc_table_avx512;
#endif

static const xentc_kernel_table *active = &xentc_table_baseline;

static int cpu_has(const char *name)
{
    if (strcmp(name, "baseline") == 0 || strcmp(name, "emu512") == 0) return 1;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (strcmp(name, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (strcmp(name, "avx512") == 0)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
#endif
    return 0;
}

static const xentc_kernel_table *compiled(const char *name)
{
    if (strcmp(name, "baseline") == 0) return &xentc_table_baseline;
#ifdef XENTC_HAVE_EMU512
    if (strcmp(name, "emu512") == 0) return &xentc_table_emu512;
#endif
#ifdef XENTC_HAVE_AVX2
    if (strcmp(name, "avx2") == 0) return &xentc_table_avx2;
#endif
#ifdef XENTC_HAVE_AVX512
    if (strcmp(name, "avx512") == 0) return &xentc_table_avx512;
#endif
    return NULL;
}

int xentc_select(const char *name)
{
    const xentc_kernel_table *t = compiled(name);
    if (t == NULL || !cpu_has(name)) return -1;
    active = t;
    return 0;
}

const xentc_kernel_table *xentc_active(void)
{ return active; }

const char *xentc_compiled_targets(void)
{
    return "baseline"
#ifdef XENTC_HAVE_EMU512
           ",emu512"
#endif
#ifdef XENTC_HAVE_AVX2
           ",avx2"
#endif
#ifdef XENTC_HAVE_AVX512
           ",avx512"
#endif
        ;
}

const char *xentc_supported_targets(void)
{
    static char buf[64];
    strcpy(buf, "baseline");
    if (compiled("emu512")) strcat(buf, ",emu512");
    if (compiled("avx2") && cpu_has("avx2")) strcat(buf, ",avx2");
    if (compiled("avx512") && cpu_has("avx512")) strcat(buf, ",avx512");
    return buf;
}
