/* dtype_undef.h -- undoes exactly what dtype_f32.h / dtype_f64.h define, so
 * that the next instantiation of the kernel bodies starts clean (each dtype
 * header refuses to start while one of its names is still defined;
 * tests/test_c_macros.py compares the three name sets). */

#undef XT_REAL
#undef XT_LANE_INT
#undef XT_SFX
#undef XT_VREAL
#undef XT_VINT
#undef XT_NLANES
#undef XT_LOAD
#undef XT_STORE
#undef XT_SPLAT
#undef XT_SELECT
#undef XT_LOAD_PART
#undef XT_STORE_PART
#undef XT_VEXP
#undef XT_VEXP_NONPOS
#undef XT_VLOG
#undef XT_VLOG1P
#undef XT_VLOG1P_UNIT
#undef XT_VINT_TO_REAL
#undef XT_LOAD_LABELS
#undef XT_LOAD_WEIGHTS
#undef XT_VACC
#undef XT_ACCUMULATE
#undef XT_ANY
#undef XT_DEINTERLEAVE
#undef XT_INTERLEAVE
#undef XT_CHUNK
#undef XT_TRANSPOSE
#undef XT_HALF_TRANSPOSE
#undef XT_CONCAT_LO
#undef XT_HIGH_DOWN
