/* kernels_target.h -- instantiates the kernel bodies for one ISA.
 *
 * A src/target_<isa>.c file defines XENTC_TARGET (and XENTC_VBYTES through
 * its compile flags), then includes this header, which expands
 * kernels_body.h for float32 and float64 and exports one table,
 * xentc_table_<isa>. Nothing else in the translation unit is visible.
 */
#include "xentc_simd.h"
#include "xentc_kernels.h"

#define XCAT2_(a, b) a##_##b
#define XCAT2(a, b) XCAT2_(a, b)

/* float32: partial sums of up to CHUNK float32 lanes, then float64 */
#define R float
#define IT int32_t
#define SFX f32
#define VR vf32
#define VI vi32
#define NL NL32
#define LD ld_f32
#define ST st_f32
#define SPLAT splat_f32
#define SEL sel_f32
#define LDPART ldpart_f32
#define STPART stpart_f32
#define VEXP vexp_f32
#define VLOG vlog_f32
#define VLOG1P vlog1p_f32
#define VEXPN vexpn_f32
#define I2F i2f_f32
#define VLOG1P_UNIT vlog1p_unit_f32
#define LDLAB ldlab_f32
#define LDW ldw_f32
#define VACC vdbl32
#define ACC acc_f32
#define ANY any_f32
#define DEINTERLEAVE deinterleave_f32
#define INTERLEAVE interleave_f32
#define TRANSPOSE transpose_f32
#define HALF_TRANSPOSE half_transpose_f32
#define CONCAT_LO concat_lo_f32
#define HIGH_DOWN high_down_f32
#define CHUNK ((ptrdiff_t)256)
#include "kernels_body.h"
#undef R
#undef IT
#undef SFX
#undef VR
#undef VI
#undef NL
#undef LD
#undef ST
#undef SPLAT
#undef SEL
#undef LDPART
#undef STPART
#undef VEXP
#undef VLOG
#undef VLOG1P
#undef VEXPN
#undef I2F
#undef VLOG1P_UNIT
#undef LDLAB
#undef LDW
#undef VACC
#undef ACC
#undef ANY
#undef DEINTERLEAVE
#undef INTERLEAVE
#undef TRANSPOSE
#undef HALF_TRANSPOSE
#undef CONCAT_LO
#undef HIGH_DOWN
#undef CHUNK

#define R double
#define IT int64_t
#define SFX f64
#define VR vf64
#define VI vi64
#define NL NL64
#define LD ld_f64
#define ST st_f64
#define SPLAT splat_f64
#define SEL sel_f64
#define LDPART ldpart_f64
#define STPART stpart_f64
#define VEXP vexp_f64
#define VLOG vlog_f64
#define VLOG1P vlog1p_f64
#define VEXPN vexpn_f64
#define I2F i2f_f64
#define VLOG1P_UNIT vlog1p_f64
#define LDLAB ldlab_f64
#define LDW ldw_f64
#define VACC vf64
#define ACC acc_f64
#define ANY any_f64
#define DEINTERLEAVE deinterleave_f64
#define INTERLEAVE interleave_f64
#define TRANSPOSE transpose_f64
#define HALF_TRANSPOSE half_transpose_f64
#define CONCAT_LO concat_lo_f64
#define HIGH_DOWN high_down_f64
#define CHUNK ((ptrdiff_t)4096)
#include "kernels_body.h"

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
