"""Build the compiled core (seedstream._kernel) from source; metadata is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "seedstream._kernel",
            sources=["src/seedstream/_kernel.c"],
            # -ffp-contract=off: no fused multiply-add, so the polar test rounds as numpy's does
            extra_compile_args=[
                "-O3",
                "-std=c11",
                "-ffp-contract=off",
                "-Wall",
                "-Wextra",
                "-Wno-unused-parameter",
            ],
        )
    ]
)
