"""Studies over many configs: global sensitivity (SALib) and design search (Optuna).

* :mod:`~cxsim.study.spec`: the ``sensitivity`` and ``optimise`` config files, checked (ranges,
  parameter paths, levers and their costs, budget);
* :mod:`~cxsim.study.points`: one point of a study (parameter values applied to every design,
  the designs' own values winning) evaluated with common random numbers, in parallel workers,
  each finished point kept on disk so that an interrupted study resumes;
* :mod:`~cxsim.study.sensitivity`: Morris screening and Sobol indices with bootstrap intervals,
  the robustness of the decision, ``cxsim sensitivity``;
* :mod:`~cxsim.study.optimise`: Optuna search under a budget and a ΔNPS floor, SQLite storage,
  the best design as a scenario YAML, ``cxsim optimise``;
* :mod:`~cxsim.study.figures` and :mod:`~cxsim.study.report`: figures and the HTML report.
"""

from __future__ import annotations
