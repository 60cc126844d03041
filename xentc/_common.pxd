# cython: language_level=3
"""Pointer and stride helpers shared by the Cython drivers (_kernels.pyx,
_linear.pyx). Inline, so each extension compiles its own copy: nothing is
exported at run time, and the file ships in the sdist only (wheels carry the
compiled extensions; no user cimports it).

The arrays are the drivers' checked ones (dtype float32/float64, rows
contiguous, see _validation.py); these helpers read, never decide.
"""
cimport numpy as cnp


cdef inline int _dt(cnp.ndarray x) noexcept:
    """kernel-table slot of x's dtype: 0 float32, 1 float64"""
    return 0 if x.descr.type_num == cnp.NPY_FLOAT32 else 1


cdef inline void *_ptr(object a) noexcept:
    """data pointer of an ndarray, NULL for None"""
    if a is None:
        return NULL
    return cnp.PyArray_DATA(<cnp.ndarray>a)


cdef inline Py_ssize_t _ld(object a) noexcept:
    """row stride in elements of a 2-D array with contiguous rows (1-D: its
    length, 0-D: 1, None: 0)"""
    if a is None:
        return 0
    cdef cnp.ndarray arr = <cnp.ndarray>a
    if arr.ndim < 2:
        return arr.shape[0] if arr.ndim == 1 else 1
    return arr.strides[0] // arr.itemsize
