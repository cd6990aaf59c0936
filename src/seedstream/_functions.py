"""numpy.random's legacy module-level functions, on seedstream's global RandomState.

``seedstream.rand(3)`` is ``numpy.random.rand(3)`` on a global instance of its
own (numpy's global state is not touched), with seedstream's ``start=``,
``chunks=`` and ``store=`` where the method has them.  Each function is a name
written out here, not made in a loop, so that type checkers and IDEs see it;
tests/test_methods.py checks that the names are the method table's.
"""

from __future__ import annotations

import numpy as np

from seedstream._legacy import RandomState

__all__ = [
    "beta",
    "binomial",
    "bytes",
    "chisquare",
    "choice",
    "dirichlet",
    "exponential",
    "f",
    "gamma",
    "geometric",
    "get_bit_generator",
    "get_state",
    "gumbel",
    "hypergeometric",
    "laplace",
    "logistic",
    "lognormal",
    "logseries",
    "multinomial",
    "multivariate_normal",
    "negative_binomial",
    "noncentral_chisquare",
    "noncentral_f",
    "normal",
    "pareto",
    "permutation",
    "poisson",
    "power",
    "rand",
    "randint",
    "randn",
    "random",
    "random_integers",
    "random_sample",
    "ranf",
    "rayleigh",
    "sample",
    "seed",
    "set_bit_generator",
    "set_state",
    "shuffle",
    "standard_cauchy",
    "standard_exponential",
    "standard_gamma",
    "standard_normal",
    "standard_t",
    "tomaxint",
    "triangular",
    "uniform",
    "vonmises",
    "wald",
    "weibull",
    "zipf",
]

_global = RandomState()


def get_bit_generator() -> np.random.BitGenerator:
    """The bit generator of seedstream's global RandomState, as numpy's ``get_bit_generator``."""
    bg: np.random.BitGenerator = _global._bit_generator
    return bg


def set_bit_generator(bitgen: np.random.BitGenerator) -> None:
    """Give the global RandomState a new bit generator, as numpy's ``set_bit_generator``.

    Its current state becomes position 0 of the global stream.
    """
    if not isinstance(bitgen, np.random.BitGenerator):
        raise TypeError(f"bitgen must be a numpy BitGenerator, got {type(bitgen).__name__}")
    _global.__init__(bitgen)  # type: ignore[misc]  # re-initialise in place: bound methods stay valid


# In the method table's order; numpy's ranf and sample are random_sample under other names.
random_sample = _global.random_sample
random = _global.random
rand = _global.rand
uniform = _global.uniform
standard_normal = _global.standard_normal
normal = _global.normal
randn = _global.randn
standard_exponential = _global.standard_exponential
exponential = _global.exponential
randint = _global.randint
random_integers = _global.random_integers
bytes = _global.bytes
binomial = _global.binomial
geometric = _global.geometric
gumbel = _global.gumbel
hypergeometric = _global.hypergeometric
laplace = _global.laplace
logistic = _global.logistic
logseries = _global.logseries
pareto = _global.pareto
poisson = _global.poisson
power = _global.power
rayleigh = _global.rayleigh
triangular = _global.triangular
vonmises = _global.vonmises
weibull = _global.weibull
zipf = _global.zipf
beta = _global.beta
chisquare = _global.chisquare
choice = _global.choice
dirichlet = _global.dirichlet
f = _global.f
gamma = _global.gamma
lognormal = _global.lognormal
multinomial = _global.multinomial
multivariate_normal = _global.multivariate_normal
negative_binomial = _global.negative_binomial
noncentral_chisquare = _global.noncentral_chisquare
noncentral_f = _global.noncentral_f
permutation = _global.permutation
shuffle = _global.shuffle
standard_cauchy = _global.standard_cauchy
standard_gamma = _global.standard_gamma
standard_t = _global.standard_t
tomaxint = _global.tomaxint
wald = _global.wald
seed = _global.seed
get_state = _global.get_state
set_state = _global.set_state
ranf = _global.random_sample
sample = _global.random_sample
