/* dtype_f32.h -- the float32 macro set of the kernel bodies (src/body_*.h).
 *
 * kernels_target.h includes this, then kernels_body.h, then dtype_undef.h,
 * which undefines exactly these names (tests/test_c_macros.py checks that
 * the sets match, and the #error below that none survives). Every name has
 * the XT_ prefix; the values are the helpers of xentc_simd.h. */

/* a name still defined here means the previous dtype_undef.h missed it */
#if defined(XT_REAL) || defined(XT_LANE_INT) || defined(XT_SFX) || defined(XT_VREAL) ||           \
    defined(XT_VINT) || defined(XT_NLANES) || defined(XT_LOAD) || defined(XT_STORE) ||            \
    defined(XT_SPLAT) || defined(XT_SELECT) || defined(XT_LOAD_PART) || defined(XT_STORE_PART) || \
    defined(XT_VEXP) || defined(XT_VEXP_NONPOS) || defined(XT_VLOG) || defined(XT_VLOG1P) ||      \
    defined(XT_VLOG1P_UNIT) || defined(XT_VINT_TO_REAL) || defined(XT_LOAD_LABELS) ||             \
    defined(XT_LOAD_WEIGHTS) || defined(XT_VACC) || defined(XT_ACCUMULATE) || defined(XT_ANY) ||  \
    defined(XT_DEINTERLEAVE) || defined(XT_INTERLEAVE) || defined(XT_CHUNK) ||                    \
    defined(XT_TRANSPOSE) || defined(XT_HALF_TRANSPOSE) || defined(XT_CONCAT_LO) ||               \
    defined(XT_HIGH_DOWN)
#error "a per-dtype macro is still defined: dtype_undef.h must undo every name"
#endif

#define XT_REAL float                  /* the scalar type */
#define XT_LANE_INT int32_t            /* integer of the same width (lane masks) */
#define XT_SFX f32                     /* suffix of the per-dtype helpers and of FN() */
#define XT_VREAL vf32                  /* vector of XT_REAL */
#define XT_VINT vi32                   /* vector of XT_LANE_INT; comparisons give this mask type */
#define XT_NLANES NL32                 /* lanes per vector */
#define XT_LOAD ld_f32                 /* load a full vector (unaligned) */
#define XT_STORE st_f32                /* store a full vector */
#define XT_SPLAT splat_f32             /* broadcast a scalar */
#define XT_SELECT sel_f32              /* mask ? a : b per lane */
#define XT_LOAD_PART ldpart_f32        /* load n < lanes elements, fill the rest */
#define XT_STORE_PART stpart_f32       /* store the first n lanes */
#define XT_VEXP vexp_f32               /* exp, subnormal results kept */
#define XT_VEXP_NONPOS vexpn_f32       /* exp of d <= 0, subnormal results flushed to 0 */
#define XT_VLOG vlog_f32               /* log */
#define XT_VLOG1P vlog1p_f32           /* log1p */
#define XT_VLOG1P_UNIT vlog1p_unit_f32 /* log1p(e) for e in [0, 1]: the division-free polynomial */
#define XT_VINT_TO_REAL i2f_f32        /* convert lane integers to XT_VREAL */
#define XT_LOAD_LABELS ldlab_f32       /* load lanes int64 labels as XT_VINT */
#define XT_LOAD_WEIGHTS ldw_f32        /* load lanes float64 row weights as XT_VREAL */
#define XT_VACC vdbl32        /* float64 vector of XT_NLANES lanes (exact sums of XT_REAL) */
#define XT_ACCUMULATE acc_f32 /* add an XT_VREAL into an XT_VACC */
#define XT_ANY any_f32        /* any lane of a mask set */
#define XT_DEINTERLEAVE deinterleave_f32     /* split (a0 b0 a1 b1 ..) into a, b */
#define XT_INTERLEAVE interleave_f32         /* inverse of XT_DEINTERLEAVE */
#define XT_TRANSPOSE transpose_f32           /* NL x NL block of vectors: rows <-> columns */
#define XT_HALF_TRANSPOSE half_transpose_f32 /* two rows per vector: each half transposed */
#define XT_CONCAT_LO concat_lo_f32           /* (low half of a | low half of b) */
#define XT_HIGH_DOWN high_down_f32           /* the high half moved to the low lanes */
#define XT_CHUNK \
    ((ptrdiff_t)256) /* elements summed in XT_REAL lanes before folding into float64 (Design C) */
