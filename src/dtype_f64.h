/* dtype_f64.h -- the float64 macro set of the kernel bodies (src/body_*.h).
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

#define XT_REAL double           /* the scalar type */
#define XT_LANE_INT int64_t      /* integer of the same width (lane masks) */
#define XT_SFX f64               /* suffix of the per-dtype helpers and of FN() */
#define XT_VREAL vf64            /* vector of XT_REAL */
#define XT_VINT vi64             /* vector of XT_LANE_INT; comparisons give this mask type */
#define XT_NLANES NL64           /* lanes per vector */
#define XT_LOAD ld_f64           /* load a full vector (unaligned) */
#define XT_STORE st_f64          /* store a full vector */
#define XT_SPLAT splat_f64       /* broadcast a scalar */
#define XT_SELECT sel_f64        /* mask ? a : b per lane */
#define XT_LOAD_PART ldpart_f64  /* load n < lanes elements, fill the rest */
#define XT_STORE_PART stpart_f64 /* store the first n lanes */
#define XT_VEXP vexp_f64         /* exp, subnormal results kept */
#define XT_VEXP_NONPOS vexpn_f64 /* exp of d <= 0, subnormal results flushed to 0 */
#define XT_VLOG vlog_f64         /* log */
#define XT_VLOG1P vlog1p_f64     /* log1p */
/* log1p(e) for e in [0, 1]: float64 has no polynomial of its own (one of
 * full float64 accuracy would need about twice the degree and save little
 * over the general log1p), so it is the general log1p, exact on [0, 1]. */
#define XT_VLOG1P_UNIT vlog1p_f64
#define XT_VINT_TO_REAL i2f_f64  /* convert lane integers to XT_VREAL */
#define XT_LOAD_LABELS ldlab_f64 /* load lanes int64 labels as XT_VINT */
#define XT_LOAD_WEIGHTS ldw_f64  /* load lanes float64 row weights as XT_VREAL */
#define XT_VACC vf64             /* float64 vector of XT_NLANES lanes (exact sums of XT_REAL) */
#define XT_ACCUMULATE acc_f64    /* add an XT_VREAL into an XT_VACC */
#define XT_ANY any_f64           /* any lane of a mask set */
#define XT_DEINTERLEAVE deinterleave_f64     /* split (a0 b0 a1 b1 ..) into a, b */
#define XT_INTERLEAVE interleave_f64         /* inverse of XT_DEINTERLEAVE */
#define XT_TRANSPOSE transpose_f64           /* NL x NL block of vectors: rows <-> columns */
#define XT_HALF_TRANSPOSE half_transpose_f64 /* two rows per vector: each half transposed */
#define XT_CONCAT_LO concat_lo_f64           /* (low half of a | low half of b) */
#define XT_HIGH_DOWN high_down_f64           /* the high half moved to the low lanes */
#define XT_CHUNK \
    ((ptrdiff_t)4096) /* float64 lanes: a long chunk only amortises the horizontal sum */
