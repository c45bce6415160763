"""Optimizer lab library: 2-D test functions and races, network-race variants, schedules, LR range test, landscapes.

Everything here drives the foundation's OPTIMIZERS/SCHEDULES registries and Trainer; nothing here
draws or imports streamlit.
"""

from playground.optim.functions import FUNCTIONS, Path, TestFunction, race, run_path
from playground.optim.landscape import Landscape, WeightTrail, filter_normalized_direction, loss_slice
from playground.optim.lr import lr_range_test, schedule_curves

__all__ = ["FUNCTIONS", "Landscape", "Path", "TestFunction", "WeightTrail", "filter_normalized_direction",
           "loss_slice", "lr_range_test", "race", "run_path", "schedule_curves"]
