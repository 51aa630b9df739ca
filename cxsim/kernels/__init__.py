"""numba-compiled functions, one per rule of the model; both engines call them (``docs/model.md`` §5).

* :mod:`~cxsim.kernels.behaviour`: the behavioural equations (experience, memory, loyalty, churn hazard);
* :mod:`~cxsim.kernels.journey`: journeys start, visits, resolution and wow, the journey advance;
* :mod:`~cxsim.kernels.wom`: who talks, message delivery, adoption, attitudes from word of mouth;
* :mod:`~cxsim.kernels.population`: day-0 draws and the daily churn decision;
* :mod:`~cxsim.kernels.tallies`: the day's counts of people and contacts;
* :mod:`~cxsim.kernels.week`: the weekday of a day, weekday factors, which touchpoints open today;
* :mod:`~cxsim.kernels.groups`: the compiled model as named tuples of arrays;
* :mod:`~cxsim.kernels.codes` and :mod:`~cxsim.kernels.params`: integer codes and packed parameters.
"""
