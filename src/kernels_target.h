/* kernels_target.h -- instantiates the kernel bodies for one ISA.
 *
 * A src/target_<isa>.c file defines XENTC_TARGET (and XENTC_VBYTES through
 * its compile flags), then includes this header, which expands the kernel
 * families (kernels_body.h: src/body_*.h) for float32 and float64 and
 * exports one table, xentc_table_<isa>. Nothing else in the translation unit
 * is visible.
 *
 * The bodies are written against the XT_* macro set of src/dtype_f32.h /
 * src/dtype_f64.h; src/dtype_undef.h undoes it between the two passes.
 */
#include "xentc_simd.h"
#include "xentc_kernels.h"

#define XCAT2_(a, b) a##_##b
#define XCAT2(a, b) XCAT2_(a, b)
#define XCAT3_(a, b, c) a##_##b##_##c
#define XCAT3(a, b, c) XCAT3_(a, b, c)
/* every kernel-body function gets its dtype and ISA suffix: FN(hsum) is
 * hsum_f32_avx2 in the float32 pass of target_avx2.c */
#define FN(name) XCAT3(name, XT_SFX, XENTC_TARGET)

#include "dtype_f32.h"
#include "kernels_body.h"
#include "dtype_undef.h"

#include "dtype_f64.h"
#include "kernels_body.h"
#include "dtype_undef.h"

#define BOTH(name) { XCAT3(name, f32, XENTC_TARGET), XCAT3(name, f64, XENTC_TARGET) }

const xentc_kernel_table XCAT2(xentc_table, XENTC_TARGET) = {
    .name = XENTC_TARGET_NAME,
    .logsumexp = BOTH(logsumexp_rows),
    .softmax = BOTH(softmax_rows),
    .log_softmax = BOTH(log_softmax_rows),
    .sigmoid = BOTH(sigmoid_elem),
    .log_sigmoid = BOTH(log_sigmoid_elem),
    .exp = BOTH(exp_elem),
    .log = BOTH(log_elem),
    .log1p = BOTH(log1p_elem),
    .sparse_softmax_ce = BOTH(sparse_softmax_ce),
    .dense_softmax_ce = BOTH(dense_softmax_ce),
    .csr_softmax_ce = BOTH(csr_softmax_ce),
    .sigmoid_ce = BOTH(sigmoid_ce),
    .csr_sigmoid_ce = BOTH(csr_sigmoid_ce),
    .binary_ce = BOTH(binary_ce),
    .sparse_categorical_ce = BOTH(sparse_categorical_ce),
    .dense_categorical_ce = BOTH(dense_categorical_ce),
    .csr_categorical_ce = BOTH(csr_categorical_ce),
    .grouped_softmax_ce = BOTH(grouped_softmax_ce),
    .focal_sigmoid_ce = BOTH(focal_sigmoid_ce),
    .focal_csr_sigmoid_ce = BOTH(focal_csr_sigmoid_ce),
    .focal_sparse_softmax_ce = BOTH(focal_sparse_softmax_ce),
    .focal_dense_softmax_ce = BOTH(focal_dense_softmax_ce),
    .focal_csr_softmax_ce = BOTH(focal_csr_softmax_ce),
    .rowstats = BOTH(rowstats_rows),
};
