"""Build the compiled cores (seedstream._kernel, seedstream._mtfill) from source.

Metadata is in pyproject.toml.
"""

import os
import tempfile

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


# The vector builds of _kernel.c's hot loops, each made only if this compiler can (the
# target attribute, its intrinsics and the run-time CPU check); the portable build is
# always there.  _kernel.c picks among them at import.
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
PROBES = {
    "SS_HAVE_AVX2": _probe("avx2", ["avx2"], _LOOP),
    "SS_HAVE_AVX512": _probe("avx512f", ["avx512f"], _LOOP),
    "SS_HAVE_AVX512VBMI2": _probe("avx512f,avx512vbmi2", ["avx512f", "avx512vbmi2"], _FUNNEL),
}


class ProbingBuildExt(build_ext):
    """build_ext that defines each SS_HAVE_* macro as 1 or 0 by compiling its probe."""

    def build_extensions(self) -> None:
        found = {macro: self._compiles(code) for macro, code in PROBES.items()}
        print(
            "seedstream._kernel vector builds:",
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
COMPILE_ARGS = [
    "-O3",
    "-std=c11",
    "-ffp-contract=off",
    "-Wall",
    "-Wextra",
    "-Wno-unused-parameter",
]

setup(
    cmdclass={"build_ext": ProbingBuildExt},
    ext_modules=[
        Extension(
            "seedstream._kernel",
            sources=["src/seedstream/_kernel.c"],
            extra_compile_args=COMPILE_ARGS,
        ),
        Extension(
            "seedstream._mtfill",
            sources=["src/seedstream/_mtfill.c"],
            extra_compile_args=COMPILE_ARGS,
        ),
    ],
)
