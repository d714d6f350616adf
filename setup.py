"""The fast path's compiled core, built by the platform's C compiler; pyproject.toml holds everything else.

``optional=True``: where no compiler is found the package still installs, and the fast path runs its
pure-Python code (``exifbench.strategies.extractors.fastpath.COMPILED`` says which is in use).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "exifbench.strategies.extractors._fastcore",
            ["exifbench/strategies/extractors/_fastcore.c"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-missing-field-initializers", "-Wno-unused-parameter"],
            optional=True,
        )
    ]
)
