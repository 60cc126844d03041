"""Build for xentc: one Cython extension plus the C kernels, compiled once per
SIMD target the compiler supports.

What the build does, in order (each step prints what it found):
1. OpenMP: compile *and run* a probe with -fopenmp. Without it the package
   still builds, serially, with a loud warning; XENTC_REQUIRE_OPENMP=1 turns
   the warning into an error (CI uses it).
2. SIMD targets: for each of avx2 (+fma) and avx512 (x86-64 only), compile a
   probe with the target's flags, and run it when this CPU supports the
   target. Each target that compiles gets src/target_<isa>.c built with its
   flags; the baseline is always built, and so is emu512 (the AVX-512 lane
   layout on the baseline ISA, for the tests). src/dispatch.c picks at import.
3. A generated header, xentc_build_info.h, records the compiler and the
   OpenMP result for `xentc.show_config()`.
Environment: XENTC_DISABLE_SIMD=avx512,avx2 skips targets at build time.
"""
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

X86 = platform.machine().lower() in ("x86_64", "amd64", "i686", "x86")

# name -> (compile flags, vector bytes, CPU feature test for the probe)
SIMD_TARGETS = {
    "avx2": (["-mavx2", "-mfma"], 32,
             '__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")'),
    "avx512": (["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw"], 64,
               '__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")'
               ' && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")'),
}
BASE_FLAGS = ["-O3", "-fno-math-errno", "-fno-trapping-math", "-std=gnu11"]

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
    print(f"xentc build: {msg}", flush=True)


class BuildExt(build_ext):
    """build_ext that probes OpenMP and SIMD, then compiles the kernel targets."""

    def _try(self, source, flags, run):
        """Compile (and link, and optionally run) a probe. Returns
        (compiled, ran_ok, stdout)."""
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "probe.c")
            with open(src, "w") as fh:
                fh.write(source)
            try:
                objs = self.compiler.compile([src], output_dir=tmp, extra_postargs=flags)
                exe = os.path.join(tmp, "probe")
                self.compiler.link_executable(objs, exe, extra_postargs=flags)
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

    def build_extensions(self):
        # 1. OpenMP
        log("checking whether the C compiler supports OpenMP...")
        compiled, ran, out = self._try(OPENMP_PROBE, ["-fopenmp"], run=True)
        openmp = compiled and ran
        if openmp:
            log(f"OpenMP: yes (-fopenmp), probe ran with {out} threads")
        else:
            msg = ("OpenMP: NO. xentc will build but run SERIALLY (n_threads is "
                   "ignored). Install a compiler with OpenMP support (gcc, or "
                   "clang with libomp) for parallel kernels.")
            if os.environ.get("XENTC_REQUIRE_OPENMP") == "1":
                raise RuntimeError(msg + " (XENTC_REQUIRE_OPENMP=1)")
            log("!" * 70)
            log("WARNING: " + msg)
            log("!" * 70)
        omp_flags = ["-fopenmp"] if openmp else []

        # 2. SIMD targets
        disabled = set(filter(None, os.environ.get("XENTC_DISABLE_SIMD", "").split(",")))
        targets = []
        if X86:
            for name, (flags, vbytes, feature) in SIMD_TARGETS.items():
                if name in disabled:
                    log(f"SIMD {name}: disabled by XENTC_DISABLE_SIMD")
                    continue
                src = SIMD_PROBE % {"vbytes": vbytes, "feature": feature}
                compiled, ran, out = self._try(src, flags, run=True)
                if not compiled:
                    log(f"SIMD {name}: compiler does not support {' '.join(flags)}; skipped")
                    continue
                state = "runs on this CPU" if (ran and out != "unsupported") else \
                    "compiles (this CPU cannot run it; dispatch will skip it here)"
                log(f"SIMD {name}: yes ({' '.join(flags)}), {state}")
                targets.append((name, flags + [f"-DXENTC_VBYTES={vbytes}"]))
        else:
            log(f"SIMD: {platform.machine()} builds its baseline only")

        # 3. build info header, kernel objects per target
        info_dir = os.path.join(self.build_temp, "xentc_generated")
        os.makedirs(info_dir, exist_ok=True)
        compiler_version = self._compiler_version().replace("\\", "/").replace('"', "'")
        with open(os.path.join(info_dir, "xentc_build_info.h"), "w") as fh:
            fh.write("/* generated by setup.py */\n")
            fh.write(f'#define XENTC_BUILD_COMPILER "{compiler_version}"\n')
            fh.write(f"#define XENTC_BUILD_OPENMP {int(openmp)}\n")

        objects = []
        # emu512: the 16-lane layout on the baseline ISA, for testing (see its source)
        kernel_targets = [("baseline", []), ("emu512", ["-DXENTC_VBYTES=64", "-Wno-psabi"])] + targets
        for name, flags in kernel_targets:
            objects += self.compiler.compile(
                [os.path.join("src", f"target_{name}.c")],
                output_dir=os.path.join(self.build_temp, name),
                include_dirs=["src"],
                extra_postargs=BASE_FLAGS + flags,
            )
        log("kernel targets built: " + ", ".join(n for n, _ in kernel_targets))

        for ext in self.extensions:
            ext.include_dirs += ["src", info_dir, np.get_include()]
            ext.define_macros += [(f"XENTC_HAVE_{n.upper()}", "1") for n, _ in targets]
            ext.define_macros += [("XENTC_HAVE_EMU512", "1")]
            ext.define_macros += [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
            ext.extra_compile_args += ["-O2"] + omp_flags
            ext.extra_link_args += omp_flags
            ext.extra_objects += objects
        super().build_extensions()


extensions = [
    Extension("xentc._kernels", sources=["xentc/_kernels.pyx", "src/dispatch.c"],
              depends=[os.path.join("src", f) for f in os.listdir("src") if f.endswith(".h")]),
    # fused linear + cross-entropy: BLAS via scipy.linalg.cython_blas, exp via its own
    # copy of the dispatcher (see xentc/_linear.pyx)
    Extension("xentc._linear", sources=["xentc/_linear.pyx", "src/dispatch.c"],
              include_dirs=["xentc"],
              depends=["xentc/_linear_kernels.h", "xentc/_linear_body.h"]),
]

setup(
    ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}),
    cmdclass={"build_ext": BuildExt},
)
