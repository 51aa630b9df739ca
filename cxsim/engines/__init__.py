"""The two engines of one model: :mod:`~cxsim.engines.agent` (Mesa + SimPy, the executable
specification) and :mod:`~cxsim.engines.vector` (numba, struct of arrays), phase by phase the
same names calling the same kernels (``docs/model.md`` §5)."""
