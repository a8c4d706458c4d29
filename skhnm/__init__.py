"""skhnm: hard negative mining (bootstrapping of negatives) for scikit-learn."""

from ._classifier import HardNegativeMiningClassifier
from ._version import __version__

__all__ = ["HardNegativeMiningClassifier", "__version__"]
