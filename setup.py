"""Build for xentc: Cython extensions plus the C kernels, compiled once per
SIMD target the compiler supports.

Supported: GCC >= 9 and Clang >= 14 (Apple clang on macOS), on x86-64 and
aarch64 Linux and macOS. MSVC is refused with one sentence.

What the build does, in order (each step logs what it found):
1. Compiler: refuse MSVC; warn when GCC < 9 or Clang < 14.
2. OpenMP: compile *and run* a probe with -fopenmp (on macOS, also with
   Homebrew's libomp: `brew --prefix libomp`, /opt/homebrew/opt/libomp,
   /usr/local/opt/libomp). Without it the package still builds, serially,
   with a loud warning here and a RuntimeWarning at every import;
   XENTC_REQUIRE_OPENMP=1 makes it an error, XENTC_DISABLE_OPENMP=1 asks for
   a serial build on purpose (no probe, no import warning).
3. SIMD targets: on x86-64 only, for each of avx2 (+fma) and avx512, compile
   a probe with the target's flags and run it when this CPU supports the
   target. Each target that compiles gets src/target_<isa>.c built with its
   flags; the baseline is always built (SSE2 on x86-64, NEON on aarch64), and
   so is emu512 (the AVX-512 lane layout on the baseline ISA, for the tests).
   src/dispatch.c picks at import and never offers an x86 target elsewhere.
4. A generated header, xentc_build_info.h, records the compiler and the
   OpenMP result for `xentc.show_config()`.
Environment: XENTC_DISABLE_SIMD=avx512,avx2 skips targets at build time.
pip hides this log unless run with -v; what matters reaches the user at
import (the OpenMP warning) and through `xentc.show_config()`.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CompileError, PlatformError

SUPPORTED = "GCC >= 9 or Clang >= 14 on Linux or macOS"

# name -> (compile flags, vector bytes, CPU feature test for the probe)
SIMD_TARGETS = {
    "avx2": (
        ["-mavx2", "-mfma"],
        32,
        '__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")',
    ),
    "avx512": (
        ["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw"],
        64,
        '__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")'
        ' && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")',
    ),
}
BASE_FLAGS = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-std=gnu11"]

# The extensions. Each gets the include dirs, OpenMP flags and target
# macros; those with link_kernels=True also get the per-ISA kernel objects.
HEADERS = sorted(
    os.path.join("src", f)
    for f in os.listdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))
    if f.endswith(".h")
)
EXTENSIONS = [
    (
        Extension(
            "xentc._kernels",
            sources=["xentc/_kernels.pyx", "src/dispatch.c"],
            # the .pxi/.pxd are compiled into the generated C: edits must rebuild it
            depends=[*HEADERS, "xentc/_fast_paths.pxi", "xentc/_common.pxd"],
        ),
        True,
    ),
    # fused linear + cross-entropy: BLAS via scipy.linalg.cython_blas, exp via its own
    # copy of the dispatcher (see xentc/_linear.pyx), hence the kernel objects too
    (
        Extension(
            "xentc._linear",
            sources=["xentc/_linear.pyx", "src/dispatch.c"],
            depends=[*HEADERS, "xentc/_common.pxd"],
        ),
        True,
    ),
]

COMPILER_PROBE = r"""
#if defined(__clang__) && !defined(__apple_build_version__) && __clang_major__ < 14
#error "Clang older than 14"
#elif !defined(__clang__) && defined(__GNUC__) && __GNUC__ < 9
#error "GCC older than 9"
#endif
int main(void) { return 0; }
"""

X86_64_PROBE = r"""
#if !defined(__x86_64__)
#error "not x86-64"
#endif
int main(void) { return 0; }
"""

OPENMP_PROBE = r"""
#include <omp.h>
#include <stdio.h>
int main(void) {
    int n = 0;
    #pragma omp parallel reduction(+:n)
    n += 1;
    printf("%d\n", n);
    return n >= 1 ? 0 : 1;
}
"""

SIMD_PROBE = r"""
#include <stdio.h>
typedef float v __attribute__((vector_size(%(vbytes)d)));
int main(void) {
    __builtin_cpu_init();
    if (!(%(feature)s)) { printf("unsupported\n"); return 0; }
    volatile float a = 1.5f;
    v x = (v){0} + a, y = x * x + x;
    printf("%%g\n", (double)y[0]);
    return y[0] == 3.75f ? 0 : 1;
}
"""


def log(msg):
    print(f"xentc build: {msg}", file=sys.stderr, flush=True)


def loud(msg):
    log("!" * 70)
    log("WARNING: " + msg)
    log("!" * 70)


def homebrew_libomp_prefixes():
    """Where Homebrew keeps libomp (Apple's clang has no OpenMP runtime)."""
    found = []
    brew = shutil.which("brew")
    if brew:
        try:
            out = subprocess.run(
                [brew, "--prefix", "libomp"], capture_output=True, text=True, timeout=60
            )
            if out.returncode == 0 and out.stdout.strip():
                found.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    found += ["/opt/homebrew/opt/libomp", "/usr/local/opt/libomp"]
    return [
        p
        for i, p in enumerate(found)
        if p not in found[:i] and os.path.exists(os.path.join(p, "include", "omp.h"))
    ]


def openmp_candidates():
    """(description, compile flags, link flags) to try, in order."""
    cands = [("-fopenmp", ["-fopenmp"], ["-fopenmp"])]
    if sys.platform == "darwin":
        for p in homebrew_libomp_prefixes():
            cands.append(
                (
                    f"-Xpreprocessor -fopenmp, libomp from {p}",
                    ["-Xpreprocessor", "-fopenmp", f"-I{p}/include"],
                    [f"-L{p}/lib", "-lomp", f"-Wl,-rpath,{p}/lib"],
                )
            )
    return cands


def c_string(s):
    return '"' + s.replace("\\", "/").replace('"', "'") + '"'


class BuildExt(build_ext):
    """build_ext that probes the compiler, OpenMP and SIMD, then compiles the
    kernel targets."""

    def _try(self, source, cflags, ldflags=None, run=False):
        """Compile (and link, and optionally run) a probe. Returns
        (compiled, ran_ok, stdout)."""
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "probe.c")
            with open(src, "w") as fh:
                fh.write(source)
            try:
                objs = self.compiler.compile([src], output_dir=tmp, extra_postargs=cflags)
                exe = os.path.join(tmp, "probe")
                self.compiler.link_executable(
                    objs, exe, extra_postargs=cflags if ldflags is None else ldflags
                )
            except Exception:
                return False, False, ""
            if not run:
                return True, False, ""
            try:
                out = subprocess.run([exe], capture_output=True, text=True, timeout=60)
            except (OSError, subprocess.SubprocessError):
                return True, False, ""
            return True, out.returncode == 0, out.stdout.strip()

    def _compiler_version(self):
        cc = self.compiler.compiler[0] if getattr(self.compiler, "compiler", None) else "cc"
        try:
            out = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=30)
            return out.stdout.splitlines()[0].strip()
        except (OSError, subprocess.SubprocessError, IndexError):
            return cc

    def _check_compiler(self):
        if self.compiler.compiler_type != "unix":
            raise PlatformError(
                f"xentc cannot be built with the {self.compiler.compiler_type!r} compiler "
                f"(Windows compilers such as MSVC are not supported yet); build it with {SUPPORTED}."
            )
        version = self._compiler_version()
        log(f"compiler: {version}")
        if not self._try(COMPILER_PROBE, [])[0]:
            loud(
                f"this compiler ({version}) is older than supported ({SUPPORTED}); "
                "the build may fail or be slow."
            )
        return version

    def _openmp(self):
        """Returns (compile flags, link flags, note for show_config)."""
        if os.environ.get("XENTC_DISABLE_OPENMP") == "1":
            loud(
                "OpenMP: disabled by XENTC_DISABLE_OPENMP=1; xentc runs SERIALLY "
                "(n_threads is ignored)"
            )
            return [], [], "no: disabled by XENTC_DISABLE_OPENMP=1"
        log("checking whether the C compiler supports OpenMP...")
        for desc, cflags, ldflags in openmp_candidates():
            compiled, ran, out = self._try(OPENMP_PROBE, cflags, ldflags, run=True)
            if compiled and ran:
                log(f"OpenMP: yes ({desc}), probe ran with {out} threads")
                return cflags, ldflags, f"yes: {desc}"
        hint = (
            "on macOS: `brew install libomp` and rebuild"
            if sys.platform == "darwin"
            else "install gcc, or clang with libomp (Debian: libomp-dev), and rebuild"
        )
        msg = (
            f"the compiler could not build and run an OpenMP program; xentc runs "
            f"SERIALLY (n_threads is ignored). For parallel kernels {hint}."
        )
        if os.environ.get("XENTC_REQUIRE_OPENMP") == "1":
            raise CompileError("OpenMP is required (XENTC_REQUIRE_OPENMP=1) but " + msg)
        loud("OpenMP: NO. " + msg)
        return [], [], "no: " + msg

    def _simd_targets(self):
        if not self._try(X86_64_PROBE, [])[0]:
            log(
                "SIMD: not an x86-64 target; building the baseline only "
                "(NEON on aarch64, via the generic vector code)"
            )
            return []
        disabled = set(filter(None, os.environ.get("XENTC_DISABLE_SIMD", "").split(",")))
        targets = []
        for name, (flags, vbytes, feature) in SIMD_TARGETS.items():
            if name in disabled:
                log(f"SIMD {name}: disabled by XENTC_DISABLE_SIMD")
                continue
            src = SIMD_PROBE % {"vbytes": vbytes, "feature": feature}
            compiled, ran, out = self._try(src, flags, run=True)
            if not compiled:
                log(f"SIMD {name}: compiler does not support {' '.join(flags)}; skipped")
                continue
            state = (
                "runs on this CPU"
                if (ran and out != "unsupported")
                else "compiles (this CPU cannot run it; dispatch will skip it here)"
            )
            log(f"SIMD {name}: yes ({' '.join(flags)}), {state}")
            targets.append((name, flags + [f"-DXENTC_VBYTES={vbytes}"]))
        return targets

    def build_extensions(self):
        compiler_version = self._check_compiler()
        omp_cflags, omp_ldflags, omp_note = self._openmp()
        targets = self._simd_targets()

        info_dir = os.path.join(self.build_temp, "xentc_generated")
        os.makedirs(info_dir, exist_ok=True)
        with open(os.path.join(info_dir, "xentc_build_info.h"), "w") as fh:
            fh.write("/* generated by setup.py */\n")
            fh.write(f"#define XENTC_BUILD_COMPILER {c_string(compiler_version)}\n")
            fh.write(f"#define XENTC_BUILD_OPENMP {int(bool(omp_cflags))}\n")
            fh.write(f"#define XENTC_BUILD_OPENMP_NOTE {c_string(omp_note)}\n")

        # emu512: the 16-lane layout on the baseline ISA, for testing (see its source)
        kernel_targets = [
            ("baseline", []),
            ("emu512", ["-DXENTC_VBYTES=64", "-Wno-psabi"]),
        ] + targets

        def compile_target(target):
            name, flags = target
            return self.compiler.compile(
                [os.path.join("src", f"target_{name}.c")],
                output_dir=os.path.join(self.build_temp, name),
                include_dirs=["src"],
                extra_postargs=BASE_FLAGS + flags,
                depends=HEADERS,
            )

        # one compiler process per CPU: each target is a large -O3 unit
        cpus = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )
        with ThreadPoolExecutor(max_workers=cpus) as pool:
            objects = [obj for objs in pool.map(compile_target, kernel_targets) for obj in objs]
        log("kernel targets built: " + ", ".join(n for n, _ in kernel_targets))

        links_kernels = {ext.name for ext, link in EXTENSIONS if link}
        for ext in self.extensions:
            ext.include_dirs += ["src", info_dir, np.get_include()]
            ext.define_macros += [(f"XENTC_HAVE_{n.upper()}", "1") for n, _ in targets]
            ext.define_macros += [("XENTC_HAVE_EMU512", "1")]
            ext.define_macros += [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
            ext.extra_compile_args += ["-O2"] + omp_cflags
            ext.extra_link_args += omp_ldflags
            if ext.name in links_kernels:
                ext.extra_objects += objects
        super().build_extensions()


if __name__ == "__main__":  # pip / build run this file as __main__; tests import it
    setup(
        ext_modules=cythonize(
            [ext for ext, _ in EXTENSIONS], compiler_directives={"language_level": "3"}
        ),
        cmdclass={"build_ext": BuildExt},
    )
