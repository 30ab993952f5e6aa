"""One BLAS thread for training, one OpenMP thread for the boosted trees: the same model on
every machine.

How OpenBLAS splits a sum over its threads changes the last bits of the result, and an
iterative solver (lbfgs in the logistic regressions) follows those bits to a slightly
different stopping point. Refitting the sentiment encoder view's regression on the same
vectors with 1 and 2 BLAS threads gave coefficients 4e-4 apart, so a machine with another
core count trained another model (docs/nlp.md, Sentiment: reproducibility). The trainers'
entry points run under :func:`one_blas_thread`; one thread is the same on every machine and
costs little here (the fits are small or sparse). Kept in one place so every trainer pins the
same thing in the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from threadpoolctl import threadpool_limits

_P = ParamSpec("_P")
_T = TypeVar("_T")


def one_blas_thread(fn: Callable[_P, _T]) -> Callable[_P, _T]:
    """Run ``fn`` with BLAS (OpenBLAS) on one thread, whatever the machine's core count.

    threadpoolctl limits only the libraries loaded when the limit starts, and numpy and scipy
    each bring their own OpenBLAS: scipy's (which scikit-learn's solvers and its Cython BLAS
    call) is loaded on first import of scipy. A trainer that imports scikit-learn lazily (the
    rumor trainer does) would load it inside the limit, at the default thread count; so scipy's
    linear algebra is loaded first."""

    @functools.wraps(fn)
    def inner(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        import scipy.linalg  # noqa: F401  (loads scipy's OpenBLAS, so that the limit reaches it)

        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return inner


@contextmanager
def one_openmp_thread() -> Iterator[None]:
    """OpenMP (scikit-learn's boosted trees) on one thread inside the block. Its start-up per
    tree costs more than it saves on a few thousand rows, and a result that does not depend
    on the core count is easier to reproduce. As with BLAS, threadpoolctl limits only a
    runtime already loaded, and nothing may have loaded scikit-learn's yet (``train rumor
    --no-eval``), so it is loaded first."""
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime, so that the limit reaches it)

    with threadpool_limits(limits=1, user_api="openmp"):
        yield
