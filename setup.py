"""Build the compiled cores (seedstream._kernel, seedstream._mtfill, seedstream._fastcall).

Metadata is in pyproject.toml.
"""

import os
import tempfile
from pathlib import Path

import numpy
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


# The vector builds of the kernel's hot loops, each made only if this compiler can (the
# target attribute, its intrinsics and the run-time CPU check); the portable build is
# always there.  csrc/simd_paths.h reads the SS_HAVE_* macros (and lets -DSS_NO_AVX512 or
# -DSS_NO_SIMD in CFLAGS turn them off); _kernel.c and _mtfill.c pick among the builds at import.
def _probe(target: str, features: list[str], body: str) -> str:
    runs = " && ".join(f'__builtin_cpu_supports("{feature}")' for feature in features)
    return f"""
        #include <immintrin.h>
        __attribute__((target("{target}"))) static void f(long long *a) {{ {body} }}
        int probe(long long *a) {{ __builtin_cpu_init(); if ({runs}) f(a); return 0; }}
    """


_LOOP = "for (int i = 0; i < 64; i++) a[i] ^= 1;"
_FUNNEL = (
    "__m512i x = _mm512_loadu_si512(a);"
    "_mm512_storeu_si512(a, _mm512_shldv_epi64(x, x, _mm512_set1_epi64(3)));"
)
_CLMUL = (
    "__m512i x = _mm512_loadu_si512(a);"
    "_mm512_storeu_si512(a, _mm512_clmulepi64_epi128(x, x, 0x10));"
)
PROBES = {
    "SS_HAVE_AVX2": _probe("avx2", ["avx2"], _LOOP),
    # F with BW, DQ and VL: _mtfill's AVX-512 path uses all four (_kernel's only F)
    "SS_HAVE_AVX512": _probe(
        "avx512f,avx512bw,avx512dq,avx512vl", ["avx512f", "avx512bw", "avx512dq", "avx512vl"], _LOOP
    ),
    "SS_HAVE_AVX512VBMI2": _probe("avx512f,avx512vbmi2", ["avx512f", "avx512vbmi2"], _FUNNEL),
    # VBMI2 with VPCLMULQDQ: the GF(2) multiplication of _kernel's table of powers
    "SS_HAVE_AVX512CLMUL": _probe(
        "avx512f,avx512vbmi2,vpclmulqdq", ["avx512f", "avx512vbmi2", "vpclmulqdq"], _CLMUL
    ),
}


class ProbingBuildExt(build_ext):
    """build_ext that defines each SS_HAVE_* macro as 1 or 0 by compiling its probe."""

    def build_extensions(self) -> None:
        found = {macro: self._compiles(code) for macro, code in PROBES.items()}
        print(
            "seedstream: vector builds this compiler can make:",
            ", ".join(f"{m}={int(v)}" for m, v in found.items()),
        )
        for ext in self.extensions:
            ext.define_macros += [(macro, str(int(ok))) for macro, ok in found.items()]
        super().build_extensions()

    def _compiles(self, code: str) -> bool:
        with tempfile.TemporaryDirectory() as tmp:
            source = os.path.join(tmp, "probe.c")
            with open(source, "w") as f:
                f.write(code)
            try:
                self.compiler.compile([source], output_dir=tmp, extra_postargs=["-O2"])
            except Exception:  # CompileError, or a compiler that rejects the options
                return False
        return True


# -ffp-contract=off: no fused multiply-add, so every rounding is the one numpy makes
COMPILE_ARGS = ["-O3", "-std=c11", "-ffp-contract=off", "-Wall", "-Wextra"]

# The kernel: bindings in _kernel.c, one concern a file in csrc/ (see _kernel.c).  Listing
# the headers as depends rebuilds it when one changes; MANIFEST.in also ships them in the sdist.
CSRC = Path("src/seedstream/csrc")
# each a .c and a .h
KERNEL_CONCERNS = ["gf2poly", "mt_jump", "polar_scan", "counting", "cpython_random"]
KERNEL_HEADERS = [f"{c}.h" for c in KERNEL_CONCERNS] + [
    "simd_paths.h",
    "mt19937.h",
    "numpy_mt19937.h",
]

setup(
    cmdclass={"build_ext": ProbingBuildExt},
    ext_modules=[
        Extension(
            "seedstream._kernel",
            sources=["src/seedstream/_kernel.c", *(str(CSRC / f"{c}.c") for c in KERNEL_CONCERNS)],
            depends=[str(CSRC / h) for h in KERNEL_HEADERS],
            # numpy/random/bitgen.h (counting.c), numpy's public C interface to bit generators
            include_dirs=[numpy.get_include()],
            extra_compile_args=COMPILE_ARGS,
        ),
        Extension(
            "seedstream._mtfill",
            sources=[
                "src/seedstream/_mtfill.c",
                str(CSRC / "bounded_ints.c"),
                str(CSRC / "legacy_normals.c"),
            ],
            depends=[
                str(CSRC / "simd_paths.h"),
                str(CSRC / "numpy_mt19937.h"),
                str(CSRC / "bounded_ints.h"),
                str(CSRC / "legacy_normals.h"),
            ],
            include_dirs=[numpy.get_include()],  # numpy/random/bitgen.h
            # its PyCFunctions do not mark self and args with Py_UNUSED
            extra_compile_args=[*COMPILE_ARGS, "-Wno-unused-parameter"],
        ),
        # Plain small calls straight to numpy's methods: CPython's API only, no numpy headers
        Extension(
            "seedstream._fastcall",
            sources=["src/seedstream/_fastcall.c", str(CSRC / "small_call.c")],
            depends=[str(CSRC / "small_call.h")],
            extra_compile_args=COMPILE_ARGS,
        ),
    ],
)
