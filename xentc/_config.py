"""Build and runtime configuration: SIMD target selection, thread defaults,
show_config()."""

import contextlib
import os
import warnings

from . import _kernels
from ._version import __version__

# automatic choice, worst to best; "emu512" (the 16-lane layout emulated on the
# baseline ISA) is only ever selected explicitly, by the tests
_SIMD_ORDER = ("baseline", "avx2", "avx512")


def _best_target():
    supported = _kernels.supported_targets()
    return [t for t in _SIMD_ORDER if t in supported][-1]


def _select_at_import():
    """XENTC_SIMD=<target> forces a (lower) target; otherwise the best one."""
    wanted = os.environ.get("XENTC_SIMD", "").strip().lower()
    if wanted:
        if _kernels.select_target(wanted):
            return
        warnings.warn(
            f"XENTC_SIMD={wanted!r} is not available (compiled: "
            f"{','.join(_kernels.compiled_targets())}; this CPU runs: "
            f"{','.join(_kernels.supported_targets())}); using the best one",
            RuntimeWarning,
            stacklevel=3,
        )
    _kernels.select_target(_best_target())


def available_simd_targets():
    """The SIMD targets that are compiled in and that this CPU can run.

    Returns
    -------
    list of str
        Target names, worst to best, among ``"baseline"``, ``"avx2"``,
        ``"avx512"`` (x86-64), ``"neon"`` (aarch64) and ``"emu512"`` (the
        16-lane layout emulated on the baseline ISA, for tests).

    See Also
    --------
    get_simd_target, set_simd_target, simd_target

    Examples
    --------
    >>> import xentc
    >>> "baseline" in xentc.available_simd_targets()
    True
    """
    return list(_kernels.supported_targets())


def get_simd_target():
    """The SIMD target the calling thread's kernels run on.

    That is the thread's :func:`simd_target` override when it is inside
    one, else the process-wide target (the best one at import, or
    ``XENTC_SIMD``, or the last :func:`set_simd_target`).

    Returns
    -------
    str
        One of :func:`available_simd_targets`.

    See Also
    --------
    available_simd_targets, set_simd_target, simd_target

    Examples
    --------
    >>> import xentc
    >>> xentc.get_simd_target() in xentc.available_simd_targets()
    True
    """
    return _kernels.active_target()


def set_simd_target(name):
    """Run every later call on the kernels built for one SIMD target.

    Process-wide: applies to every thread that is not inside a
    :func:`simd_target` block.

    Parameters
    ----------
    name : str
        One of :func:`available_simd_targets`.

    Raises
    ------
    ValueError
        If ``name`` is not compiled in or this CPU cannot run it.

    See Also
    --------
    simd_target : The same for one block of one thread.

    Examples
    --------
    >>> import xentc
    >>> before = xentc.get_simd_target()
    >>> xentc.set_simd_target("baseline")
    >>> xentc.get_simd_target()
    'baseline'
    >>> xentc.set_simd_target(before)
    """
    if not _kernels.select_target(name):
        raise ValueError(
            f"SIMD target {name!r} is not available; choose one of {available_simd_targets()}"
        )


@contextlib.contextmanager
def simd_target(name):
    """Context manager: run a block on the kernels of one SIMD target.

    The override is thread-local: it applies to the calling thread (and the
    OpenMP threads its calls start), never to other Python threads. Blocks
    nest, each restoring the override in place when it was entered, so
    threads may enter and leave blocks in any order.

    Parameters
    ----------
    name : str
        One of :func:`available_simd_targets`.

    Yields
    ------
    None

    Raises
    ------
    ValueError
        If ``name`` is not compiled in or this CPU cannot run it.

    See Also
    --------
    set_simd_target : The process-wide setting.

    Examples
    --------
    >>> import numpy as np
    >>> import xentc
    >>> x = np.linspace(-5.0, 5.0, 7)
    >>> with xentc.simd_target("baseline"):
    ...     portable = xentc.logsumexp(x)
    >>> bool(abs(portable - xentc.logsumexp(x)) < 1e-12)
    True
    """
    previous = _kernels.thread_target()
    if not _kernels.set_thread_target(name):
        raise ValueError(
            f"SIMD target {name!r} is not available; choose one of {available_simd_targets()}"
        )
    try:
        yield
    finally:
        _kernels.set_thread_target(previous)


def default_n_threads():
    """What n_threads=None means: OpenMP's current maximum (OMP_NUM_THREADS,
    threadpoolctl limits), at most the CPUs this process may run on."""
    from ._validation import n_threads_cap

    return n_threads_cap()


def _openmp_note():
    """How the build decided on OpenMP: "yes: <flags>", "no: disabled by
    XENTC_DISABLE_OPENMP=1" or "no: <why, and how to fix it>"."""
    return _kernels.build_openmp_note()


def _warn_if_serial_by_accident():
    """pip hides the build log, so a build that lost OpenMP says so here, at
    import; a serial build asked for (XENTC_DISABLE_OPENMP=1) stays quiet."""
    if not _kernels.openmp_linked() and not _openmp_note().startswith("no: disabled"):
        warnings.warn(
            f"xentc was built without OpenMP: {_openmp_note().removeprefix('no: ')}",
            RuntimeWarning,
            stacklevel=3,
        )


def get_config():
    """The build and runtime configuration, as a dictionary.

    Returns
    -------
    dict
        ``version``; ``compiler``; ``openmp`` (bool: OpenMP linked) and
        ``openmp_build`` (how the build decided); ``simd_compiled``,
        ``simd_supported`` (by this CPU) and ``simd_active`` (the calling
        thread's target); ``default_n_threads`` (what ``n_threads=None``
        means: OpenMP's current maximum, ``OMP_NUM_THREADS`` or
        threadpoolctl limits, at most the CPUs this process may run on).

    See Also
    --------
    show_config : The same, printed.

    Examples
    --------
    >>> import xentc
    >>> config = xentc.get_config()
    >>> config["version"] == xentc.__version__
    True
    >>> sorted(config)  # doctest: +NORMALIZE_WHITESPACE
    ['compiler', 'default_n_threads', 'openmp', 'openmp_build', 'simd_active',
     'simd_compiled', 'simd_supported', 'version']
    """
    return {
        "version": __version__,
        "compiler": _kernels.build_compiler(),
        "openmp": _kernels.openmp_linked(),
        "openmp_build": _openmp_note(),
        "simd_compiled": _kernels.compiled_targets(),
        "simd_supported": _kernels.supported_targets(),
        "simd_active": _kernels.active_target(),
        "default_n_threads": default_n_threads(),
    }


def show_config():
    """Print the version, compiler, OpenMP, SIMD targets and thread default.

    The first thing to attach to a bug report; ``xentc config`` on the
    command line prints the same.

    See Also
    --------
    get_config : The same, as a dictionary.

    Examples
    --------
    >>> import xentc
    >>> xentc.show_config()  # doctest: +ELLIPSIS
    xentc ...
      compiler: ...
      OpenMP: ...
      SIMD compiled: ...
      SIMD this CPU: ...
      SIMD in use: ...
      default n_threads: ...
    """
    c = get_config()
    print(f"xentc {c['version']}")
    print(f"  compiler:          {c['compiler']}")
    how = c["openmp_build"].split(": ", 1)[-1]
    print(
        f"  OpenMP:            {'linked' if c['openmp'] else 'NOT linked, serial build'} ({how})"
    )
    print(f"  SIMD compiled:     {', '.join(c['simd_compiled'])}")
    print(f"  SIMD this CPU:     {', '.join(c['simd_supported'])}")
    print(
        f"  SIMD in use:       {c['simd_active']}"
        + (
            "  (XENTC_SIMD=" + os.environ["XENTC_SIMD"] + ")"
            if os.environ.get("XENTC_SIMD")
            else ""
        )
    )
    print(f"  default n_threads: {c['default_n_threads']}")


_select_at_import()
_warn_if_serial_by_accident()
