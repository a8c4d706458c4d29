"""skhnm: hard negative mining (bootstrapping of negatives) for scikit-learn."""

from ._classifier import HardNegativeMiningClassifier
from ._multiclass import MulticlassHardNegativeMiningClassifier
from ._plot import MiningDisplay
from ._version import __version__
from .exceptions import PoolTooSmallWarning

__all__ = [
    "HardNegativeMiningClassifier",
    "MiningDisplay",
    "MulticlassHardNegativeMiningClassifier",
    "PoolTooSmallWarning",
    "__version__",
]
