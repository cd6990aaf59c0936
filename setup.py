"""Build the compiled cores (seedstream._kernel, seedstream._mtfill) from source.

Metadata is in pyproject.toml.
"""

from setuptools import Extension, setup

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
    ]
)
