"""PLACEHOLDER until the torch-exact generator lands: numpy-backed Generator with the draw interface the ops use."""
import numpy as np


class Generator:
    def __init__(self, device="cpu"):
        self.device = device
        self._seed = 67280421310721
        self._rs = np.random.RandomState(self._seed % 2**32)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rs = np.random.RandomState(self._seed % 2**32)
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy % 2**63)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def _uniform(self, shape, dtype, low=0.0, high=1.0):
        return (self._rs.random_sample(shape) * (high - low) + low).astype(dtype)

    def _normal(self, shape, dtype, mean=0.0, std=1.0):
        return (self._rs.standard_normal(shape) * std + mean).astype(dtype)

    def _randint(self, shape, dtype, low, high):
        return self._rs.randint(low, high, size=shape, dtype=np.int64).astype(dtype)

    def _randperm(self, n, dtype):
        return self._rs.permutation(n).astype(dtype)

    def _bernoulli_scalar(self, shape, dtype, p):
        return (self._rs.random_sample(shape) < p).astype(dtype)

    def _bernoulli_tensor(self, p, dtype):
        return (self._rs.random_sample(p.shape) < p).astype(dtype)


default_generator = Generator()


def manual_seed(seed):
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()
