"""MNIST-family datasets read from the raw idx-ubyte files under ``root/<ClassName>/raw``."""
import os
import sys
import urllib.error
import warnings

import numpy as np
from PIL import Image

from .utils import DownloadError, check_integrity, download_and_extract_archive
from .vision import VisionDataset

# idx type code -> numpy element type (big-endian in the file)
_IDX_TYPES = {8: np.uint8, 9: np.int8, 11: np.dtype(">i2"), 12: np.dtype(">i4"), 13: np.dtype(">f4"),
              14: np.dtype(">f8")}


def _torch():
    import torchjax
    return torchjax


def read_sn3_pascalvincent_ndarray(path, strict=True):
    """Parse an idx file: a 4-byte magic (0, 0, type code, number of dims), big-endian int32 dims, then data."""
    with open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    nd = magic % 256
    ty = magic // 256
    if not 1 <= nd <= 3 or ty not in _IDX_TYPES:
        raise ValueError(f"{path} is not an idx file (magic number {magic:#010x})")
    dims = [int.from_bytes(data[4 * (i + 1):4 * (i + 2)], "big") for i in range(nd)]
    parsed = np.frombuffer(data, dtype=_IDX_TYPES[ty], offset=4 * (nd + 1))
    if strict and parsed.shape[0] != int(np.prod(dims)):
        raise ValueError(f"{path}: {parsed.shape[0]} values for shape {dims}")
    return parsed.astype(parsed.dtype.newbyteorder("="), copy=True).reshape(dims)


def read_sn3_pascalvincent_tensor(path, strict=True):
    return _torch().from_numpy(read_sn3_pascalvincent_ndarray(path, strict))


def read_label_file(path):
    x = read_sn3_pascalvincent_ndarray(path, strict=False)
    if x.dtype != np.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {_torch().from_numpy(x[:0]).dtype}")
    if x.ndim != 1:
        raise ValueError(f"x should have 1 dimension instead of {x.ndim}")
    return _torch().from_numpy(x.astype(np.int64))


def read_image_file(path):
    x = read_sn3_pascalvincent_ndarray(path, strict=False)
    if x.dtype != np.uint8:
        raise TypeError(f"x should be of dtype torch.uint8 instead of {_torch().from_numpy(x[:0]).dtype}")
    if x.ndim != 3:
        raise ValueError(f"x should have 3 dimension instead of {x.ndim}")
    return _torch().from_numpy(x)


def _host(t):
    """A tensor's (or array's) values as numpy without per-item tensor ops."""
    torch = _torch()
    return t.numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


class MNIST(VisionDataset):
    """Samples are (PIL 'L' image, int label). Expects ``root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``
    (downloaded and unpacked there by ``download=True``)."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    training_file = "training.pt"
    test_file = "test.pt"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    @property
    def train_labels(self):
        warnings.warn("train_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def test_labels(self):
        warnings.warn("test_labels has been renamed targets", stacklevel=2)
        return self.targets

    @property
    def train_data(self):
        warnings.warn("train_data has been renamed data", stacklevel=2)
        return self.data

    @property
    def test_data(self):
        warnings.warn("test_data has been renamed data", stacklevel=2)
        return self.data

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if self._check_legacy_exist():
            self.data, self.targets = self._load_legacy_data()
            return
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        self.data, self.targets = self._load_data()

    def _check_legacy_exist(self):
        if not os.path.exists(self.processed_folder):
            return False
        return all(check_integrity(os.path.join(self.processed_folder, f)) for f in (self.training_file,
                                                                                     self.test_file))

    def _load_legacy_data(self):
        torch = _torch()
        load = getattr(torch, "load", None)
        if load is None:
            raise NotImplementedError("torchjax.vision: reading the legacy processed MNIST files (training.pt / "
                                      "test.pt) needs torch.load, which is not available yet")
        return load(os.path.join(self.processed_folder, self.training_file if self.train else self.test_file),
                    weights_only=True)

    def _load_data(self):
        split = "train" if self.train else "t10k"
        data = read_image_file(os.path.join(self.raw_folder, f"{split}-images-idx3-ubyte"))
        targets = read_label_file(os.path.join(self.raw_folder, f"{split}-labels-idx1-ubyte"))
        return data, targets

    def __getitem__(self, index):
        img = Image.fromarray(_host(self.data)[index], mode="L")
        target = int(_host(self.targets)[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def processed_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "processed")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _check_exists(self):
        return all(check_integrity(os.path.join(self.raw_folder, os.path.splitext(os.path.basename(url))[0]))
                   for url, _ in self.resources)

    def download(self):
        """Download the raw files from the mirrors (trying each in turn) and unpack them into raw_folder."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                url = f"{mirror}{filename}"
                try:
                    download_and_extract_archive(url, download_root=self.raw_folder, filename=filename, md5=md5)
                except (DownloadError, urllib.error.URLError) as error:
                    print(f"Failed to download (trying next):\n{error}", file=sys.stderr)
                    errors.append(error)
                    continue
                break
            else:
                raise RuntimeError(f"Error downloading {filename}: every mirror failed "
                                   f"({'; '.join(str(e) for e in errors)}). If this machine is offline, place the "
                                   f"unpacked files {[os.path.splitext(f)[0] for f, _ in self.resources]} in "
                                   f"{self.raw_folder}.")

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


class KMNIST(MNIST):
    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
