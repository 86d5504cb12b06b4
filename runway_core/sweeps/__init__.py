"""Sweeps: a parameter search whose trials are runs.

``spec`` (what the user writes), ``suggest`` (grid, random, Optuna's TPE for bayes),
``early_stop`` (median stopping), ``launchers`` (the ``TrialLauncher`` protocol and loading one
by name), ``agent`` (``runway agent``: trials as local commands) and ``launch`` (trials handed to
a launcher). The store keeps sweeps and claims trials atomically (``Store.claim_next_trial``).
"""

from runway_core.sweeps.early_stop import STOP_TAG
from runway_core.sweeps.launchers import TrialLauncher, load_launcher
from runway_core.sweeps.spec import SweepSpec, load_spec, parse_spec

__all__ = ["STOP_TAG", "SweepSpec", "TrialLauncher", "load_launcher", "load_spec", "parse_spec"]
