/* xentc_simd.h -- portable vector types and vectorised exp / log / log1p.
 *
 * Design:
 * A. One source, several ISAs. Kernels are written with GCC/Clang vector
 *    extensions (`vector_size`), whose width XENTC_VBYTES is set per target
 *    translation unit (16 = SSE2/NEON baseline, 32 = AVX2+FMA, 64 = AVX-512).
 *    The compiler maps the same C to each instruction set, so there is one
 *    kernel body per operation, not one per ISA.
 * B. No -ffast-math. Infinities and NaN are handled by explicit selects, so
 *    results follow IEEE semantics on every target. Floating-point contraction
 *    (a*b+c -> fma) is allowed: it only removes roundings.
 * C. exp: Cody-Waite range reduction x = n*ln2 + r, |r| <= ln2/2, then a
 *    polynomial 1 + r + r^2*q(r) whose coefficients were fitted by
 *    tools/fit_exp_poly.py (iteratively reweighted least squares on Chebyshev
 *    nodes, i.e. near-minimax in relative error): approximation error
 *    3.1e-9 (float32, degree 6) and 3.6e-18 (float64, degree 11), well under
 *    half an ulp.  2^n is applied as two factors 2^(n/2) * 2^(n - n/2) so that
 *    results in the subnormal range are rounded once, not flushed to zero.
 *    Measured max errors and their budgets: ULP_BUDGET in
 *    tests/test_vmath.py (against an 80-bit reference, every target) and the
 *    exp/log/log1p budgets in tests/c/test_kernels.c.
 * D. log: x = 2^k * m with m in [sqrt(1/2), sqrt(2)), f = m - 1, then
 *    log(1+f) = 2*atanh(s), s = f/(2+f), |s| <= 0.1716, as the odd series
 *    2s + s*R(s^2), R(z) = sum_k 2 z^k/(2k+1), truncated where the next term is
 *    below 2^-30 (float32) or 2^-60 (float64) relative; assembled in fdlibm's
 *    order f - (f^2/2 - s*(f^2/2 + R)) so the division's rounding error is
 *    multiplied by f^2.  Subnormal inputs are rescaled first.
 * E. log1p(u) = log(1+u) - ((1+u) - 1 - u)/(1+u): the second term restores
 *    the bits of u lost when rounding 1+u (Goldberg's classic correction),
 *    so log1p(tiny) == tiny.
 */
#ifndef XENTC_SIMD_H
#define XENTC_SIMD_H

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <stddef.h>

#ifndef XENTC_VBYTES
#define XENTC_VBYTES 16
#endif

#define XENTC_INLINE static inline __attribute__((always_inline))

typedef float vf32 __attribute__((vector_size(XENTC_VBYTES)));
typedef int32_t vi32 __attribute__((vector_size(XENTC_VBYTES)));
typedef double vf64 __attribute__((vector_size(XENTC_VBYTES)));
typedef int64_t vi64 __attribute__((vector_size(XENTC_VBYTES)));
/* unsigned lanes for wrapping integer arithmetic (signed overflow is UB) */
typedef uint32_t vu32 __attribute__((vector_size(XENTC_VBYTES)));
typedef uint64_t vu64 __attribute__((vector_size(XENTC_VBYTES)));

#define NL32 ((ptrdiff_t)(XENTC_VBYTES / 4))
#define NL64 ((ptrdiff_t)(XENTC_VBYTES / 8))

/* ---- float32 lane helpers -------------------------------------------- */
XENTC_INLINE vf32 ld_f32(const float *p)
{
    vf32 v;
    memcpy(&v, p, sizeof v);
    return v;
}
XENTC_INLINE void st_f32(float *p, vf32 v)
{ memcpy(p, &v, sizeof v); }
XENTC_INLINE vf32 splat_f32(float a)
{ return (vf32){ 0 } + a; }
/* (m ? a : b) lane-wise; m is an all-ones / all-zeros comparison mask */
XENTC_INLINE vf32 sel_f32(vi32 m, vf32 a, vf32 b)
{ return (vf32)((m & (vi32)a) | (~m & (vi32)b)); }
/* Loads n <= NL32 elements, the remaining lanes set to `fill`; never reads
 * past p[n-1]. AVX-512: one masked load (masked-off lanes cannot fault);
 * AVX2: vmaskmovps plus a blend; elsewhere through a stack buffer. */
#if defined(__AVX512F__) && XENTC_VBYTES == 64
#include <immintrin.h>
XENTC_INLINE __mmask16 xt_mask16(ptrdiff_t n)
{ return (__mmask16)((1u << n) - 1u); }
XENTC_INLINE vf32 ldpart_f32(const float *p, ptrdiff_t n, float fill)
{ return (vf32)_mm512_mask_loadu_ps(_mm512_set1_ps(fill), xt_mask16(n), p); }
XENTC_INLINE void stpart_f32(float *p, vf32 v, ptrdiff_t n)
{ _mm512_mask_storeu_ps(p, xt_mask16(n), (__m512)v); }
#elif defined(__AVX2__) && XENTC_VBYTES == 32
#include <immintrin.h>
XENTC_INLINE vf32 ldpart_f32(const float *p, ptrdiff_t n, float fill)
{
    const __m256i m =
        _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return (vf32)_mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), (__m256)m);
}
XENTC_INLINE void stpart_f32(float *p, vf32 v, ptrdiff_t n)
{
    float buf[8];
    st_f32(buf, v);
    for (ptrdiff_t i = 0; i < n; i++) p[i] = buf[i];
}
#else
XENTC_INLINE vf32 ldpart_f32(const float *p, ptrdiff_t n, float fill)
{
    float buf[XENTC_VBYTES / 4];
    for (ptrdiff_t i = 0; i < NL32; i++) buf[i] = i < n ? p[i] : fill;
    return ld_f32(buf);
}
XENTC_INLINE void stpart_f32(float *p, vf32 v, ptrdiff_t n)
{
    float buf[XENTC_VBYTES / 4];
    st_f32(buf, v);
    for (ptrdiff_t i = 0; i < n; i++) p[i] = buf[i];
}
#endif

/* ---- float64 lane helpers -------------------------------------------- */
XENTC_INLINE vf64 ld_f64(const double *p)
{
    vf64 v;
    memcpy(&v, p, sizeof v);
    return v;
}
XENTC_INLINE void st_f64(double *p, vf64 v)
{ memcpy(p, &v, sizeof v); }
XENTC_INLINE vf64 splat_f64(double a)
{ return (vf64){ 0 } + a; }
XENTC_INLINE vf64 sel_f64(vi64 m, vf64 a, vf64 b)
{ return (vf64)((m & (vi64)a) | (~m & (vi64)b)); }
#if defined(__AVX512F__) && XENTC_VBYTES == 64
XENTC_INLINE vf64 ldpart_f64(const double *p, ptrdiff_t n, double fill)
{ return (vf64)_mm512_mask_loadu_pd(_mm512_set1_pd(fill), (__mmask8)xt_mask16(n), p); }
XENTC_INLINE void stpart_f64(double *p, vf64 v, ptrdiff_t n)
{ _mm512_mask_storeu_pd(p, (__mmask8)xt_mask16(n), (__m512d)v); }
#else
XENTC_INLINE vf64 ldpart_f64(const double *p, ptrdiff_t n, double fill)
{
    double buf[XENTC_VBYTES / 8];
    for (ptrdiff_t i = 0; i < NL64; i++) buf[i] = i < n ? p[i] : fill;
    return ld_f64(buf);
}
XENTC_INLINE void stpart_f64(double *p, vf64 v, ptrdiff_t n)
{
    double buf[XENTC_VBYTES / 8];
    st_f64(buf, v);
    for (ptrdiff_t i = 0; i < n; i++) p[i] = buf[i];
}
#endif

/* max(d, lo) lane-wise, NaN in d kept: the x86 max instruction returns its
 * second operand when either is NaN, which is exactly that; elsewhere a
 * compare and select. */
#if defined(__AVX512F__) && XENTC_VBYTES == 64
#include <immintrin.h>
XENTC_INLINE vf32 vclamp_lo_f32(vf32 d, float lo)
{ return (vf32)_mm512_max_ps(_mm512_set1_ps(lo), (__m512)d); }
XENTC_INLINE vf64 vclamp_lo_f64(vf64 d, double lo)
{ return (vf64)_mm512_max_pd(_mm512_set1_pd(lo), (__m512d)d); }
#elif defined(__AVX__) && XENTC_VBYTES == 32
#include <immintrin.h>
XENTC_INLINE vf32 vclamp_lo_f32(vf32 d, float lo)
{ return (vf32)_mm256_max_ps(_mm256_set1_ps(lo), (__m256)d); }
XENTC_INLINE vf64 vclamp_lo_f64(vf64 d, double lo)
{ return (vf64)_mm256_max_pd(_mm256_set1_pd(lo), (__m256d)d); }
#elif defined(__SSE2__) && XENTC_VBYTES == 16
#include <emmintrin.h>
XENTC_INLINE vf32 vclamp_lo_f32(vf32 d, float lo)
{ return (vf32)_mm_max_ps(_mm_set1_ps(lo), (__m128)d); }
XENTC_INLINE vf64 vclamp_lo_f64(vf64 d, double lo)
{ return (vf64)_mm_max_pd(_mm_set1_pd(lo), (__m128d)d); }
#else
XENTC_INLINE vf32 vclamp_lo_f32(vf32 d, float lo)
{ return sel_f32(d < lo, splat_f32(lo), d); }
XENTC_INLINE vf64 vclamp_lo_f64(vf64 d, double lo)
{ return sel_f64(d < lo, splat_f64(lo), d); }
#endif

/* int64 lanes -> double, exact for |k| < 2^51. AVX2 has no int64 -> double
 * conversion (GCC would convert lane by lane in scalar code): add the bits
 * of 1.5*2^52 and subtract it back in floating point. */
XENTC_INLINE vf64 i2f_f64(vi64 k)
{
    const double magic = 6755399441055744.0;
    return (vf64)(k + (vi64)splat_f64(magic)) - magic;
}
XENTC_INLINE vf32 i2f_f32(vi32 k)
{ return __builtin_convertvector(k, vf32); }

/* ---- two-vector shuffles ------------------------------------------------
 * XT_SHUFFLE(VI, a, b, i0, i1, ...): lanes of the concatenation (a, b) picked
 * by constant indices. Clang only has __builtin_shufflevector (indices as
 * arguments), GCC < 12 only __builtin_shuffle (indices as a vector of the
 * integer lane type VI); both compile constant indices to one or two shuffle
 * instructions. XT_PAIRS_*<lanes>: the index lists that split an interleaved
 * (a0 b0 a1 b1 ...) pair of vectors into its a and b halves, and back. */
#if defined(__clang__)
#define XT_SHUFFLE(VI, a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define XT_SHUFFLE(VI, a, b, ...) __builtin_shuffle(a, b, (VI){ __VA_ARGS__ })
#endif
#define XT_PAIRS_EVEN2 0, 2
#define XT_PAIRS_ODD2 1, 3
#define XT_PAIRS_LO2 0, 2
#define XT_PAIRS_HI2 1, 3
#define XT_PAIRS_EVEN4 0, 2, 4, 6
#define XT_PAIRS_ODD4 1, 3, 5, 7
#define XT_PAIRS_LO4 0, 4, 1, 5
#define XT_PAIRS_HI4 2, 6, 3, 7
#define XT_PAIRS_EVEN8 0, 2, 4, 6, 8, 10, 12, 14
#define XT_PAIRS_ODD8 1, 3, 5, 7, 9, 11, 13, 15
#define XT_PAIRS_LO8 0, 8, 1, 9, 2, 10, 3, 11
#define XT_PAIRS_HI8 4, 12, 5, 13, 6, 14, 7, 15
#define XT_PAIRS_EVEN16 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define XT_PAIRS_ODD16 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#define XT_PAIRS_LO16 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23
#define XT_PAIRS_HI16 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
#define XT_CAT_(a, b) a##b
#define XT_CAT(a, b) XT_CAT_(a, b)
/* lane counts as preprocessor literals (NL32 / NL64 are C expressions) */
#if XENTC_VBYTES == 16
#define XT_NL32 4
#define XT_NL64 2
#elif XENTC_VBYTES == 32
#define XT_NL32 8
#define XT_NL64 4
#elif XENTC_VBYTES == 64
#define XT_NL32 16
#define XT_NL64 8
#else
#error "XENTC_VBYTES must be 16, 32 or 64"
#endif

/* (v0, v1) = rows (a0 b0 a1 b1 ...) -> a = (a0 a1 ...), b = (b0 b1 ...) */
XENTC_INLINE void deinterleave_f32(vf32 v0, vf32 v1, vf32 *a, vf32 *b)
{
    *a = XT_SHUFFLE(vi32, v0, v1, XT_CAT(XT_PAIRS_EVEN, XT_NL32));
    *b = XT_SHUFFLE(vi32, v0, v1, XT_CAT(XT_PAIRS_ODD, XT_NL32));
}
XENTC_INLINE void deinterleave_f64(vf64 v0, vf64 v1, vf64 *a, vf64 *b)
{
    *a = XT_SHUFFLE(vi64, v0, v1, XT_CAT(XT_PAIRS_EVEN, XT_NL64));
    *b = XT_SHUFFLE(vi64, v0, v1, XT_CAT(XT_PAIRS_ODD, XT_NL64));
}
/* the inverse: (a, b) -> (a0 b0 a1 b1 ...) in lo, then hi */
XENTC_INLINE void interleave_f32(vf32 a, vf32 b, vf32 *lo, vf32 *hi)
{
    *lo = XT_SHUFFLE(vi32, a, b, XT_CAT(XT_PAIRS_LO, XT_NL32));
    *hi = XT_SHUFFLE(vi32, a, b, XT_CAT(XT_PAIRS_HI, XT_NL32));
}
XENTC_INLINE void interleave_f64(vf64 a, vf64 b, vf64 *lo, vf64 *hi)
{
    *lo = XT_SHUFFLE(vi64, a, b, XT_CAT(XT_PAIRS_LO, XT_NL64));
    *hi = XT_SHUFFLE(vi64, a, b, XT_CAT(XT_PAIRS_HI, XT_NL64));
}

/* In-register transpose of an NL x NL block: v[i] holds row i on entry and
 * column i on return. log2(NL) rounds of the perfect shuffle
 * (v[i], v[i + NL/2]) -> (lo, hi) interleave, NL two-source shuffles each
 * (vpermt2ps on AVX-512: 64 for a 16 x 16 float block, against 256 scalar
 * loads and stores). The short-row kernels use it to turn NL rows into
 * column vectors and back (Design E of kernels_body.h). */
#define XT_TRANSPOSE_BODY(T, NLIT, INTERLEAVE)                                     \
    _Pragma("GCC unroll 4") for (int round_ = 1; round_ < NLIT; round_ *= 2)       \
    {                                                                              \
        T w_[NLIT];                                                                \
        _Pragma("GCC unroll 8") for (int i_ = 0; i_ < NLIT / 2; i_++)              \
            INTERLEAVE(v[i_], v[i_ + NLIT / 2], &w_[2 * i_], &w_[2 * i_ + 1]);     \
        _Pragma("GCC unroll 16") for (int i_ = 0; i_ < NLIT; i_++) v[i_] = w_[i_]; \
    }
XENTC_INLINE void transpose_f32(vf32 *v){ XT_TRANSPOSE_BODY(vf32, XT_NL32,
                                                            interleave_f32) } XENTC_INLINE
    void transpose_f64(vf64 *v){ XT_TRANSPOSE_BODY(vf64, XT_NL64, interleave_f64) }

/* Two rows per vector, for blocks of at most NL/2 columns: rows l and
 * l + NL/2 share vector l (low and high half), so an NL-row block needs
 * NL/2 vectors and a transpose of the halves, (NL/2) log2(NL/2) shuffles
 * (24 for 16 float lanes, against 64 for the full transpose). */
#define XT_HALVES_LO16 0, 16, 1, 17, 2, 18, 3, 19, 8, 24, 9, 25, 10, 26, 11, 27
#define XT_HALVES_HI16 4, 20, 5, 21, 6, 22, 7, 23, 12, 28, 13, 29, 14, 30, 15, 31
#define XT_HALVES_LO8 0, 8, 1, 9, 4, 12, 5, 13
#define XT_HALVES_HI8 2, 10, 3, 11, 6, 14, 7, 15
#define XT_HALVES_LO4 0, 4, 2, 6
#define XT_HALVES_HI4 1, 5, 3, 7
#define XT_HALVES_LO2 0, 2
#define XT_HALVES_HI2 1, 3
#define XT_CONCAT_LO16 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define XT_CONCAT_LO8 0, 1, 2, 3, 8, 9, 10, 11
#define XT_CONCAT_LO4 0, 1, 4, 5
#define XT_CONCAT_LO2 0, 2
#define XT_HIGH_DOWN16 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15
#define XT_HIGH_DOWN8 4, 5, 6, 7, 4, 5, 6, 7
#define XT_HIGH_DOWN4 2, 3, 2, 3
#define XT_HIGH_DOWN2 1, 1
#define XT_HALF_TRANSPOSE_BODY(T, VI, NLIT)                                                       \
    _Pragma("GCC unroll 4") for (int round_ = 2; round_ < NLIT; round_ *= 2)                      \
    {                                                                                             \
        T w_[NLIT / 2];                                                                           \
        _Pragma("GCC unroll 8") for (int i_ = 0; i_ < NLIT / 4; i_++)                             \
        {                                                                                         \
            w_[2 * i_] = XT_SHUFFLE(VI, v[i_], v[i_ + NLIT / 4], XT_CAT(XT_HALVES_LO, NLIT));     \
            w_[2 * i_ + 1] = XT_SHUFFLE(VI, v[i_], v[i_ + NLIT / 4], XT_CAT(XT_HALVES_HI, NLIT)); \
        }                                                                                         \
        _Pragma("GCC unroll 8") for (int i_ = 0; i_ < NLIT / 2; i_++) v[i_] = w_[i_];             \
    }
/* v[0 .. NL/2): (row l | row l + NL/2) on entry, (column j rows 0..NL/2 |
 * column j rows NL/2..NL) on return, each half NL/2 x NL/2 transposed. */
XENTC_INLINE
    void half_transpose_f32(vf32 *v){ XT_HALF_TRANSPOSE_BODY(vf32, vi32, XT_NL32) } XENTC_INLINE
    void half_transpose_f64(vf64 *v){ XT_HALF_TRANSPOSE_BODY(vf64, vi64, XT_NL64) }
/* (low half of a | low half of b), and the high half of v moved down */
XENTC_INLINE vf32 concat_lo_f32(vf32 a, vf32 b)
{ return XT_SHUFFLE(vi32, a, b, XT_CAT(XT_CONCAT_LO, XT_NL32)); }
XENTC_INLINE vf64 concat_lo_f64(vf64 a, vf64 b)
{ return XT_SHUFFLE(vi64, a, b, XT_CAT(XT_CONCAT_LO, XT_NL64)); }
XENTC_INLINE vf32 high_down_f32(vf32 v)
{ return XT_SHUFFLE(vi32, v, v, XT_CAT(XT_HIGH_DOWN, XT_NL32)); }
XENTC_INLINE vf64 high_down_f64(vf64 v)
{ return XT_SHUFFLE(vi64, v, v, XT_CAT(XT_HIGH_DOWN, XT_NL64)); }

/* ---- lane utilities -------------------------------------------------- */
typedef int64_t vlab32 __attribute__((vector_size(XENTC_VBYTES * 2))); /* NL32 int64 */
typedef double vdbl32 __attribute__((vector_size(XENTC_VBYTES * 2)));  /* NL32 double */
typedef int64_t vlab64 __attribute__((vector_size(XENTC_VBYTES)));     /* NL64 int64 */

/* NL int64 labels / float64 weights as lanes of the float32 or float64 layout */
XENTC_INLINE vi32 ldlab_f32(const int64_t *p)
{
    vlab32 v;
    memcpy(&v, p, sizeof v);
    return __builtin_convertvector(v, vi32);
}
XENTC_INLINE vi64 ldlab_f64(const int64_t *p)
{
    vlab64 v;
    memcpy(&v, p, sizeof v);
    return v;
}
XENTC_INLINE vf32 ldw_f32(const double *p)
{
    vdbl32 v;
    memcpy(&v, p, sizeof v);
    return __builtin_convertvector(v, vf32);
}
XENTC_INLINE vf64 ldw_f64(const double *p)
{ return ld_f64(p); }

/* float64 sum of the lanes, added to a float64 vector accumulator (no
 * sequential lane-by-lane chain) */
XENTC_INLINE void acc_f32(vdbl32 *acc, vf32 v)
{ *acc += __builtin_convertvector(v, vdbl32); }
XENTC_INLINE void acc_f64(vf64 *acc, vf64 v)
{ *acc += v; }

/* any lane of a comparison mask set */
#if defined(__AVX__) && XENTC_VBYTES == 32
XENTC_INLINE int any_f32(vi32 m)
{ return _mm256_movemask_ps((__m256)m) != 0; }
XENTC_INLINE int any_f64(vi64 m)
{ return _mm256_movemask_pd((__m256d)m) != 0; }
#elif defined(__SSE2__) && XENTC_VBYTES == 16
XENTC_INLINE int any_f32(vi32 m)
{ return _mm_movemask_ps((__m128)m) != 0; }
XENTC_INLINE int any_f64(vi64 m)
{ return _mm_movemask_pd((__m128d)m) != 0; }
#else
XENTC_INLINE int any_f32(vi32 m)
{
    int r = 0;
    for (ptrdiff_t l = 0; l < NL32; l++) r |= m[l] != 0;
    return r;
}
XENTC_INLINE int any_f64(vi64 m)
{
    int r = 0;
    for (ptrdiff_t l = 0; l < NL64; l++) r |= m[l] != 0;
    return r;
}
#endif

/* ---- exp ------------------------------------------------------------- */
/* exp(r) on |r| <= ln2/2: 1 + r + r^2 q(r), coefficients fitted by
 * tools/fit_exp_poly.py (3.1e-9 / 3.6e-18 relative); one rounding at the end */
XENTC_INLINE vf32 exp_poly_f32(vf32 r)
{
    vf32 q = splat_f32(0.001381461f);
    q = q * r + 0.00836871f;
    q = q * r + 0.04166839f;
    q = q * r + 0.16666521f;
    q = q * r + 0.49999994f;
    return 1.0f + (r + (r * r) * q);
}

XENTC_INLINE vf64 exp_poly_f64(vf64 r)
{
    vf64 q = splat_f64(2.5000074236309794e-08);
    q = q * r + 2.763023446764578e-07;
    q = q * r + 2.7557586262911595e-06;
    q = q * r + 2.480149313455227e-05;
    q = q * r + 0.000198412695067794;
    q = q * r + 0.001388888894359938;
    q = q * r + 0.008333333333494336;
    q = q * r + 0.04166666666653026;
    q = q * r + 0.16666666666666413;
    q = q * r + 0.5000000000000011;
    return 1.0 + (r + (r * r) * q);
}

#if defined(__AVX512F__) && XENTC_VBYTES == 64
/* AVX-512 (Design C'): the same reduction and polynomial, but 2^n is applied
 * by vscalefps, p * 2^n with one rounding, which also rounds into the
 * subnormal range and overflows to inf / underflows to 0 by itself: no
 * integer exponent arithmetic, no split of n, no final selects. The clamp
 * only keeps the reduction finite (and n within the exactness range of
 * n * ln2_hi); max/min return their second operand for NaN, so NaN passes. */
XENTC_INLINE vf32 vexp_f32(vf32 x)
{
    const float magic = 12582912.0f;
    const __m512 xc =
        _mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps(-104.0f), (__m512)x));
    vf32 t = (vf32)xc * 1.44269502f + magic;
    vf32 n = t - magic;
    vf32 r = (vf32)xc - n * 0.693145752f;
    r = r - n * 1.42860677e-06f;
    return (vf32)_mm512_scalef_ps((__m512)exp_poly_f32(r), (__m512)n);
}

XENTC_INLINE vf64 vexp_f64(vf64 x)
{
    const double magic = 6755399441055744.0;
    const __m512d xc =
        _mm512_min_pd(_mm512_set1_pd(710.0), _mm512_max_pd(_mm512_set1_pd(-746.0), (__m512d)x));
    vf64 t = (vf64)xc * 1.4426950408889634 + magic;
    vf64 n = t - magic;
    vf64 r = (vf64)xc - n * 0.6931471803691238;
    r = r - n * 1.9082149292705877e-10;
    return (vf64)_mm512_scalef_pd((__m512d)exp_poly_f64(r), (__m512d)n);
}

/* d <= 0 or NaN: only the lower clamp; results below FLT_MIN come out
 * subnormal (correctly scaled) rather than flushed, which sums cannot tell. */
XENTC_INLINE vf32 vexpn_f32(vf32 d)
{
    const float magic = 12582912.0f;
    d = vclamp_lo_f32(d, -104.0f);
    vf32 t = d * 1.44269502f + magic;
    vf32 n = t - magic;
    vf32 r = d - n * 0.693145752f;
    r = r - n * 1.42860677e-06f;
    return (vf32)_mm512_scalef_ps((__m512)exp_poly_f32(r), (__m512)n);
}

XENTC_INLINE vf64 vexpn_f64(vf64 d)
{
    const double magic = 6755399441055744.0;
    d = vclamp_lo_f64(d, -746.0);
    vf64 t = d * 1.4426950408889634 + magic;
    vf64 n = t - magic;
    vf64 r = d - n * 0.6931471803691238;
    r = r - n * 1.9082149292705877e-10;
    return (vf64)_mm512_scalef_pd((__m512d)exp_poly_f64(r), (__m512d)n);
}
#else
XENTC_INLINE vf32 vexp_f32(vf32 x)
{
    const float hi = 88.72283935546875f;   /* above: +inf (ln FLT_MAX = 88.7228391) */
    const float lo = -103.97208404541016f; /* below: 0 (half the smallest subnormal) */
    const float magic = 12582912.0f;       /* 1.5*2^23: adding it rounds to integer */
    vf32 xc = sel_f32(x > hi, splat_f32(hi), x);
    xc = sel_f32(xc < lo, splat_f32(lo), xc);
    vf32 t = xc * 1.44269502f + magic;
    vf32 n = t - magic;
    vi32 ni = (vi32)t - (vi32)splat_f32(magic);
    vf32 r = xc - n * 0.693145752f; /* ln2 = hi + lo; n*hi is exact for |n| < 2^9 */
    r = r - n * 1.42860677e-06f;
    vf32 p = exp_poly_f32(r);
    vi32 n1 = ni >> 1, n2 = ni - n1;
    vf32 s1 = (vf32)((n1 + 127) << 23), s2 = (vf32)((n2 + 127) << 23);
    vf32 res = (p * s1) * s2;
    res = sel_f32(x > hi, splat_f32(INFINITY), res);
    res = sel_f32(x < lo, splat_f32(0.0f), res);
    return res; /* NaN input: t, p are NaN and NaN survives the selects */
}

XENTC_INLINE vf64 vexp_f64(vf64 x)
{
    const double hi = 709.782712893384;      /* ln DBL_MAX */
    const double lo = -745.1332191019412;    /* half the smallest subnormal */
    const double magic = 6755399441055744.0; /* 1.5*2^52 */
    vf64 xc = sel_f64(x > hi, splat_f64(hi), x);
    xc = sel_f64(xc < lo, splat_f64(lo), xc);
    vf64 t = xc * 1.4426950408889634 + magic;
    vf64 n = t - magic;
    vi64 ni = (vi64)t - (vi64)splat_f64(magic);
    vf64 r = xc - n * 0.6931471803691238; /* ln2 = hi + lo; n*hi is exact for |n| < 2^21 */
    r = r - n * 1.9082149292705877e-10;
    vf64 p = exp_poly_f64(r);
    vi64 n1 = ni >> 1, n2 = ni - n1;
    vf64 s1 = (vf64)((n1 + 1023) << 52), s2 = (vf64)((n2 + 1023) << 52);
    vf64 res = (p * s1) * s2;
    res = sel_f64(x > hi, splat_f64(INFINITY), res);
    res = sel_f64(x < lo, splat_f64(0.0), res);
    return res;
}

/* exp(d) for d <= 0 or NaN (d = x - max in softmax sums and gradients): no
 * overflow side, and results below the smallest normal are flushed to 0,
 * which is exact enough for any sum that also holds exp(0) = 1. About 2/3
 * of the work of vexp_f32. */
XENTC_INLINE vf32 vexpn_f32(vf32 d)
{
    const float magic = 12582912.0f;
    /* clamp d (one max, NaN kept) so the reduction stays finite; results
     * below FLT_MIN get a zero scale from the integer max below: 0, exactly */
    d = vclamp_lo_f32(d, -104.0f);
    vf32 t = d * 1.44269502f + magic;
    vf32 n = t - magic;
    /* bits(t) - bits(magic) = n; + 127 biases it: one subtraction */
    vi32 biased = (vi32)t - ((vi32)splat_f32(magic) - 127);
    biased &= ~(biased >> 31); /* negative (result below FLT_MIN) -> 0 */
    vf32 r = d - n * 0.693145752f;
    r = r - n * 1.42860677e-06f;
    vf32 p = exp_poly_f32(r);
    return p * (vf32)(biased << 23);
}

/* float64 twin of vexpn_f32 */
XENTC_INLINE vf64 vexpn_f64(vf64 d)
{
    const double magic = 6755399441055744.0;
    d = vclamp_lo_f64(d, -745.2);
    vf64 t = d * 1.4426950408889634 + magic;
    vf64 n = t - magic;
    vi64 biased = (vi64)t - ((vi64)splat_f64(magic) - 1023);
    biased &= ~(biased >> 63);
    vf64 r = d - n * 0.6931471803691238;
    r = r - n * 1.9082149292705877e-10;
    vf64 p = exp_poly_f64(r);
    return p * (vf64)(biased << 52);
}

#endif /* AVX-512 exp */

/* ---- log ------------------------------------------------------------- */
#if defined(__AVX512F__) && XENTC_VBYTES == 64
/* AVX-512 (Design D'): vgetexpps / vgetmantps give k = floor(log2 x) and
 * m in [1, 2) directly, subnormals included (no rescaling); m >= sqrt(2) is
 * halved (k + 1) so that m lands in [sqrt(1/2), sqrt(2)) as in the generic
 * version, whose series and assembly follow unchanged: same bits for every
 * positive finite input. */
XENTC_INLINE vf32 vlog_f32(vf32 x)
{
    const __m512 mx = _mm512_getmant_ps((__m512)x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
    const __m512 ex = _mm512_getexp_ps((__m512)x);
    const __mmask16 big = _mm512_cmp_ps_mask(mx, _mm512_set1_ps(1.41421354f), _CMP_GE_OQ);
    vf32 m = (vf32)_mm512_mask_mul_ps(mx, big, mx, _mm512_set1_ps(0.5f));
    vf32 kf = (vf32)_mm512_mask_add_ps(ex, big, ex, _mm512_set1_ps(1.0f));
    vf32 f = m - 1.0f;
    vf32 s = f / (2.0f + f);
    vf32 z = s * s;
    vf32 q = splat_f32(2.0f / 11);
    q = q * z + 2.0f / 9;
    q = q * z + 2.0f / 7;
    q = q * z + 2.0f / 5;
    q = q * z + 2.0f / 3;
    vf32 rz = z * q;
    vf32 hfsq = 0.5f * f * f;
    vf32 res = kf * 0.693145752f - ((hfsq - (s * (hfsq + rz) + kf * 1.42860677e-06f)) - f);
    res = sel_f32(x == 0.0f, splat_f32(-INFINITY), res);
    res = sel_f32(x < 0.0f, splat_f32(NAN), res);
    res = sel_f32(x == INFINITY, splat_f32(INFINITY), res);
    res = sel_f32(x != x, x, res);
    return res;
}

XENTC_INLINE vf64 vlog_f64(vf64 x)
{
    const __m512d mx = _mm512_getmant_pd((__m512d)x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
    const __m512d ex = _mm512_getexp_pd((__m512d)x);
    const __mmask8 big = _mm512_cmp_pd_mask(mx, _mm512_set1_pd(1.4142135623730951), _CMP_GE_OQ);
    vf64 m = (vf64)_mm512_mask_mul_pd(mx, big, mx, _mm512_set1_pd(0.5));
    vf64 kf = (vf64)_mm512_mask_add_pd(ex, big, ex, _mm512_set1_pd(1.0));
    vf64 f = m - 1.0;
    vf64 s = f / (2.0 + f);
    vf64 z = s * s;
    vf64 q = splat_f64(2.0 / 23);
    q = q * z + 2.0 / 21;
    q = q * z + 2.0 / 19;
    q = q * z + 2.0 / 17;
    q = q * z + 2.0 / 15;
    q = q * z + 2.0 / 13;
    q = q * z + 2.0 / 11;
    q = q * z + 2.0 / 9;
    q = q * z + 2.0 / 7;
    q = q * z + 2.0 / 5;
    q = q * z + 2.0 / 3;
    vf64 rz = z * q;
    vf64 hfsq = 0.5 * f * f;
    vf64 res =
        kf * 0.6931471803691238 - ((hfsq - (s * (hfsq + rz) + kf * 1.9082149292705877e-10)) - f);
    res = sel_f64(x == 0.0, splat_f64(-INFINITY), res);
    res = sel_f64(x < 0.0, splat_f64(NAN), res);
    res = sel_f64(x == INFINITY, splat_f64(INFINITY), res);
    res = sel_f64(x != x, x, res);
    return res;
}
#else
XENTC_INLINE vf32 vlog_f32(vf32 x)
{
    /* subnormals: scale by 2^24 so the exponent field is meaningful */
    vi32 sub = (x < 1.17549435e-38f) & (x > 0.0f);
    vf32 xs = sel_f32(sub, x * 16777216.0f, x);
    vi32 bits = (vi32)xs;
    /* shift the mantissa range to [sqrt(1/2), sqrt(2)): subtract the bits of sqrt(1/2) */
    /* wrapping: the bits of negative / -inf / NaN inputs overflow a signed
     * lane (undefined behaviour, found by UBSan); those lanes are replaced below */
    vi32 off = (vi32)((vu32)bits - 0x3f3504f3u);
    vi32 k = off >> 23;
    vi32 mbits = (off & 0x007fffff) + 0x3f3504f3;
    vf32 m = (vf32)mbits;
    vf32 kf = __builtin_convertvector(k, vf32) - sel_f32(sub, splat_f32(24.0f), splat_f32(0.0f));
    vf32 f = m - 1.0f;
    vf32 s = f / (2.0f + f);
    vf32 z = s * s;
    vf32 q = splat_f32(2.0f / 11);
    q = q * z + 2.0f / 9;
    q = q * z + 2.0f / 7;
    q = q * z + 2.0f / 5;
    q = q * z + 2.0f / 3;
    vf32 rz = z * q;
    vf32 hfsq = 0.5f * f * f;
    /* log(1+f) = f - (hfsq - s*(hfsq + R)): the rounding of s is scaled by f^2 */
    vf32 res = kf * 0.693145752f - ((hfsq - (s * (hfsq + rz) + kf * 1.42860677e-06f)) - f);
    res = sel_f32(x == 0.0f, splat_f32(-INFINITY), res);
    res = sel_f32(x < 0.0f, splat_f32(NAN), res);
    res = sel_f32(x == INFINITY, splat_f32(INFINITY), res);
    res = sel_f32(x != x, x, res);
    return res;
}

XENTC_INLINE vf64 vlog_f64(vf64 x)
{
    vi64 sub = (x < 2.2250738585072014e-308) & (x > 0.0);
    vf64 xs = sel_f64(sub, x * 18014398509481984.0 /* 2^54 */, x);
    vi64 bits = (vi64)xs;
    vi64 off = (vi64)((vu64)bits - 0x3fe6a09e667f3bcdULL); /* wrapping, as above */
    vi64 k = off >> 52;
    vi64 mbits = (off & 0x000fffffffffffffLL) + 0x3fe6a09e667f3bcdLL;
    vf64 m = (vf64)mbits;
    vf64 kf = i2f_f64(k) - sel_f64(sub, splat_f64(54.0), splat_f64(0.0));
    vf64 f = m - 1.0;
    vf64 s = f / (2.0 + f);
    vf64 z = s * s;
    vf64 q = splat_f64(2.0 / 23);
    q = q * z + 2.0 / 21;
    q = q * z + 2.0 / 19;
    q = q * z + 2.0 / 17;
    q = q * z + 2.0 / 15;
    q = q * z + 2.0 / 13;
    q = q * z + 2.0 / 11;
    q = q * z + 2.0 / 9;
    q = q * z + 2.0 / 7;
    q = q * z + 2.0 / 5;
    q = q * z + 2.0 / 3;
    vf64 rz = z * q;
    vf64 hfsq = 0.5 * f * f;
    vf64 res =
        kf * 0.6931471803691238 - ((hfsq - (s * (hfsq + rz) + kf * 1.9082149292705877e-10)) - f);
    res = sel_f64(x == 0.0, splat_f64(-INFINITY), res);
    res = sel_f64(x < 0.0, splat_f64(NAN), res);
    res = sel_f64(x == INFINITY, splat_f64(INFINITY), res);
    res = sel_f64(x != x, x, res);
    return res;
}

#endif /* AVX-512 log */

/* ---- log1p ----------------------------------------------------------- */
XENTC_INLINE vf32 vlog1p_f32(vf32 u)
{
    vf32 y = 1.0f + u;
    vf32 c = ((y - 1.0f) - u) / y;
    c = sel_f32(c == c, c, splat_f32(0.0f)); /* u = inf or -1: no correction */
    return vlog_f32(y) - c;
}

XENTC_INLINE vf64 vlog1p_f64(vf64 u)
{
    vf64 y = 1.0 + u;
    vf64 c = ((y - 1.0) - u) / y;
    c = sel_f64(c == c, c, splat_f64(0.0));
    return vlog_f64(y) - c;
}

/* log1p(e) for e in [0, 1] (e = exp(-|x|) in softplus and log-sigmoid):
 * e * P(e) with P of degree 9 fitted by tools/fit_log1p_poly.py, 4.7e-9
 * relative; no division and no exponent split, about a third of vlog1p_f32.
 * Relative accuracy holds down to e -> 0 because of the factor e. */
XENTC_INLINE vf32 vlog1p_unit_f32(vf32 e)
{
    vf32 p = splat_f32(-0.0032439262f);
    p = p * e + 0.019851016f;
    p = p * e - 0.056958698f;
    p = p * e + 0.1060357f;
    p = p * e - 0.15305543f;
    p = p * e + 0.19675922f;
    p = p * e - 0.2495413f;
    p = p * e + 0.3332996f;
    p = p * e - 0.49999902f;
    return e + (e * e) * p;
}

#endif /* XENTC_SIMD_H */
