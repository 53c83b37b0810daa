"""Teacher-student committee machines (Saad & Solla 1995; Goldt et al. 2019): model, theory,
online SGD, analysis of the plateau."""
from .experiment import Experiment, configure
from .model import Committee
from ..schedules import Schedule

__all__ = ["Committee", "Experiment", "Schedule", "configure"]
