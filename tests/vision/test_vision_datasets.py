"""Vision dataset readers on tiny files generated in the real on-disk formats (idx-ubyte, CIFAR pickles, image
folders), integrity checks, download errors, FakeData and make_grid/save_image."""
import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile
import urllib.error

import numpy as np
import pytest
from PIL import Image

import torchjax
from torchjax.utils.data import DataLoader
from torchjax.vision import datasets, transforms as T, utils as vutils

RNG = np.random.default_rng(1)


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


# ---- MNIST ---------------------------------------------------------------------------------------------------

def write_idx(path, array):
    """idx format: magic (0, 0, type code 0x08 for ubyte, ndim), big-endian uint32 dims, raw bytes."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    with open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def make_mnist(root, cls="MNIST", n_train=7, n_test=3):
    raw = os.path.join(root, cls, "raw")
    os.makedirs(raw)
    data = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        imgs = RNG.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = RNG.integers(0, 10, n, dtype=np.uint8)
        write_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"), imgs)
        write_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"), labels)
        data[split] = (imgs, labels)
    return data


@pytest.mark.parametrize("cls", ["MNIST", "FashionMNIST", "KMNIST"])
def test_mnist_family_reads_idx_files(tmp_path, cls):
    data = make_mnist(str(tmp_path), cls)
    ds = getattr(datasets, cls)(str(tmp_path), train=True)
    imgs, labels = data["train"]
    assert len(ds) == 7
    assert ds.data.dtype == torchjax.uint8 and tuple(ds.data.shape) == (7, 28, 28)
    assert ds.targets.dtype == torchjax.int64 and ds.targets.tolist() == labels.tolist()
    img, target = ds[3]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(img), imgs[3])
    assert type(target) is int and target == int(labels[3])
    test = getattr(datasets, cls)(str(tmp_path), train=False, transform=T.ToTensor(), target_transform=lambda y: -y)
    x, y = test[1]
    np.testing.assert_array_equal(np.asarray(x._host_values())[0], data["t10k"][0][1] / np.float32(255))
    assert y == -int(data["t10k"][1][1])
    assert repr(test).splitlines()[:4] == [f"Dataset {cls}", "    Number of datapoints: 3",
                                           f"    Root location: {tmp_path}", "    Split: Test"]
    assert "StandardTransform" in repr(test) and "Transform: ToTensor()" in repr(test)


def test_mnist_in_a_dataloader(tmp_path):
    data = make_mnist(str(tmp_path))
    ds = datasets.MNIST(str(tmp_path), transform=T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]))
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert tuple(xb.shape) == (4, 1, 28, 28) and yb.tolist() == data["train"][1][:4].tolist()
    exp = (data["train"][0][:4] / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_allclose(np.asarray(xb._host_values())[:, 0], exp, rtol=1e-5, atol=1e-6)


def test_mnist_missing_raises_torchvision_message(tmp_path):
    with pytest.raises(RuntimeError, match="^Dataset not found. You can use download=True to download it$"):
        datasets.MNIST(str(tmp_path))


def test_mnist_download_offline_is_clear(tmp_path, monkeypatch, capsys):
    def offline(*a, **k):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(RuntimeError, match="Error downloading train-images-idx3-ubyte.gz: every mirror failed") as ei:
        datasets.MNIST(str(tmp_path), download=True)
    assert "offline" in str(ei.value) and "name resolution" in str(ei.value)
    assert "Downloading https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz" in \
        capsys.readouterr().out


def test_mnist_download_from_local_mirror(tmp_path, monkeypatch):
    """download=True fetches each .gz from the mirror (a file:// URL here), checks its md5 and unpacks it."""
    src = tmp_path / "mirror"
    data = make_mnist(str(src))
    resources = []
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        gz = src / f"{name}.gz"
        gz.write_bytes(gzip.compress((src / "MNIST" / "raw" / name).read_bytes()))
        resources.append((f"{name}.gz", md5(gz)))

    class LocalMNIST(datasets.MNIST):
        pass
    LocalMNIST.mirrors = [f"file://{src}/"]
    LocalMNIST.resources = resources
    ds = LocalMNIST(str(tmp_path / "root"), download=True)
    assert ds.targets.tolist() == data["train"][1].tolist()
    assert os.path.exists(tmp_path / "root" / "LocalMNIST" / "raw" / "train-images-idx3-ubyte")


# ---- CIFAR ---------------------------------------------------------------------------------------------------

def make_cifar(root, hundred=False, per_batch=4):
    folder = os.path.join(root, "cifar-100-python" if hundred else "cifar-10-batches-py")
    os.makedirs(folder)
    names = [("train", 6), ("test", 3)] if hundred else [(f"data_batch_{i}", per_batch) for i in range(1, 6)] + \
        [("test_batch", 3)]
    content = {}
    for name, n in names:
        data = RNG.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = RNG.integers(0, 100 if hundred else 10, n).tolist()
        entry = {"data": data, ("fine_labels" if hundred else "labels"): labels, "batch_label": name,
                 "filenames": [f"img{i}.png" for i in range(n)]}
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump(entry, f, protocol=2)
        content[name] = (data, labels)
    meta_name, key = ("meta", "fine_label_names") if hundred else ("batches.meta", "label_names")
    classes = [f"class{i}" for i in range(100 if hundred else 10)]
    with open(os.path.join(folder, meta_name), "wb") as f:
        pickle.dump({key: classes}, f, protocol=2)
    return folder, content, classes


def checked(base, folder):
    """The dataset class with its md5 table pointing at the generated files (torchvision's real md5s would
    reject them, as intended)."""
    class Local(base):
        pass
    Local.train_list = [[n, md5(os.path.join(folder, n))] for n, _ in base.train_list]
    Local.test_list = [[n, md5(os.path.join(folder, n))] for n, _ in base.test_list]
    Local.meta = dict(base.meta, md5=md5(os.path.join(folder, base.meta["filename"])))
    return Local


def test_cifar10_reads_python_pickles(tmp_path):
    folder, content, classes = make_cifar(str(tmp_path))
    ds = checked(datasets.CIFAR10, folder)(str(tmp_path), train=True)
    assert len(ds) == 20 and ds.data.shape == (20, 32, 32, 3) and ds.data.dtype == np.uint8
    assert ds.classes == classes and ds.class_to_idx["class3"] == 3
    raw, labels = content["data_batch_2"]
    img, target = ds[4 + 1]  # second image of the second batch
    assert img.mode == "RGB" and img.size == (32, 32)
    # rows are 1024 red, then green, then blue values of a 32x32 image
    np.testing.assert_array_equal(np.asarray(img), raw[1].reshape(3, 32, 32).transpose(1, 2, 0))
    assert target == labels[1]
    test = checked(datasets.CIFAR10, folder)(str(tmp_path), train=False)
    assert len(test) == 3 and test.targets == content["test_batch"][1]


def test_cifar100_fine_labels(tmp_path):
    folder, content, classes = make_cifar(str(tmp_path), hundred=True)
    ds = checked(datasets.CIFAR100, folder)(str(tmp_path), train=True)
    assert ds.targets == content["train"][1] and len(ds.classes) == 100


def test_cifar_integrity_checks(tmp_path):
    folder, _, _ = make_cifar(str(tmp_path))
    with pytest.raises(RuntimeError, match="^Dataset not found or corrupted. You can use download=True to download "
                                           "it$"):
        datasets.CIFAR10(str(tmp_path))  # the real md5s do not match generated files
    Local = checked(datasets.CIFAR10, folder)
    with open(os.path.join(folder, "data_batch_3"), "ab") as f:
        f.write(b"x")
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        Local(str(tmp_path))
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        datasets.CIFAR10(str(tmp_path / "nowhere"))


def test_cifar_download_offline_is_clear(tmp_path, monkeypatch):
    def offline(*a, **k):
        raise urllib.error.URLError("[Errno 101] Network is unreachable")
    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(RuntimeError, match="Could not download https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
                       ) as ei:
        datasets.CIFAR10(str(tmp_path), download=True)
    msg = str(ei.value)
    assert "Network is unreachable" in msg and "offline" in msg and "cifar-10-python.tar.gz" in msg


def test_cifar_download_and_extract_from_local_archive(tmp_path, capsys):
    """download=True: download (file:// URL), md5 check of the archive, extraction, integrity check."""
    src = tmp_path / "src"
    folder, content, _ = make_cifar(str(src))
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    Local = checked(datasets.CIFAR10, folder)
    Local.url = f"file://{archive}"
    Local.tgz_md5 = md5(archive)
    root = tmp_path / "root"
    ds = Local(str(root), download=True)
    assert ds.targets[:4] == content["data_batch_1"][1]
    out = capsys.readouterr().out
    assert f"Downloading file://{archive} to {root}/cifar-10-python.tar.gz" in out
    assert f"Extracting {root}/cifar-10-python.tar.gz to {root}" in out
    Local(str(root), download=True)
    assert "Files already downloaded and verified" in capsys.readouterr().out


# ---- ImageFolder ---------------------------------------------------------------------------------------------

def make_folder(root):
    layout = {"cat": ["b.png", "a.jpg", "notes.txt"], "dog": ["x.PNG"], "ant": ["z.bmp", "sub/y.png"]}
    arrays = {}
    for cls, files in layout.items():
        for f in files:
            path = os.path.join(root, cls, f)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if f.endswith(".txt"):
                open(path, "w").write("not an image")
                continue
            a = RNG.integers(0, 256, (5, 6, 3), dtype=np.uint8)
            fmt = {".png": "PNG", ".jpg": "PNG", ".bmp": "BMP"}[os.path.splitext(f.lower())[1]]
            Image.fromarray(a).save(path, format=fmt)
            arrays[path] = a
    return arrays


def test_image_folder(tmp_path):
    arrays = make_folder(str(tmp_path))
    ds = datasets.ImageFolder(str(tmp_path))
    assert ds.classes == ["ant", "cat", "dog"] and ds.class_to_idx == {"ant": 0, "cat": 1, "dog": 2}
    rel = [(os.path.relpath(p, tmp_path), t) for p, t in ds.samples]
    assert rel == [("ant/z.bmp", 0), ("ant/sub/y.png", 0), ("cat/a.jpg", 1), ("cat/b.png", 1), ("dog/x.PNG", 2)]
    assert ds.imgs == ds.samples and ds.targets == [0, 0, 1, 1, 2]  # os.walk order: a folder's files first
    img, target = ds[3]
    assert img.mode == "RGB" and target == 1
    np.testing.assert_array_equal(np.asarray(img), arrays[os.path.join(str(tmp_path), "cat", "b.png")])


def test_dataset_folder_custom_loader_and_filter(tmp_path):
    make_folder(str(tmp_path))
    ds = datasets.DatasetFolder(str(tmp_path), loader=lambda p: os.path.basename(p),
                                is_valid_file=lambda p: p.endswith(".txt"), allow_empty=True)
    assert [ds[i] for i in range(len(ds))] == [("notes.txt", 1)]
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes ant, dog. "):
        datasets.DatasetFolder(str(tmp_path), loader=open, is_valid_file=lambda p: p.endswith(".txt"))
    with pytest.raises(FileNotFoundError, match="Supported extensions are: .xyz"):
        datasets.DatasetFolder(str(tmp_path), loader=open, extensions=(".xyz",))
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(str(tmp_path / "cat"))
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None or not None"):
        datasets.DatasetFolder(str(tmp_path), loader=open)


# ---- FakeData ----------------------------------------------------------------------------------------------------

def test_fake_data_is_deterministic_and_leaves_rng_alone():
    ds = datasets.FakeData(size=5, image_size=(3, 6, 7), num_classes=4, transform=T.PILToTensor())
    torchjax.manual_seed(123)
    a = ds[2]
    after = torchjax.rand(3).tolist()
    torchjax.manual_seed(123)
    b = ds[2]
    assert torchjax.rand(3).tolist() == after  # the global stream is untouched by __getitem__
    assert a[0].tolist() == b[0].tolist() and a[1] == b[1] and 0 <= a[1] < 4 and type(a[1]) is int
    # the image is randn(*image_size) from seed index + offset, converted with ToPILImage (x255, truncated)
    torchjax.manual_seed(2)
    noise = np.asarray(torchjax.randn(3, 6, 7)._host_values())
    exp = (noise * np.float32(255)).astype(np.int64).astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(a[0]._host_values()), exp)
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[5]
    assert len(ds) == 5


def test_fake_data_in_dataloader():
    ds = datasets.FakeData(size=6, image_size=(3, 8, 8), transform=T.Compose([T.ToTensor(),
                                                                             T.Normalize((0.5,) * 3, (0.5,) * 3)]))
    xb, yb = next(iter(DataLoader(ds, batch_size=6)))
    assert tuple(xb.shape) == (6, 3, 8, 8) and xb.dtype == torchjax.float32 and yb.dtype == torchjax.int64


# ---- utils -------------------------------------------------------------------------------------------------------

def test_make_grid_layout():
    x = RNG.random((5, 3, 4, 6)).astype(np.float32)
    g = np.asarray(vutils.make_grid(torchjax.from_numpy(x), nrow=2, padding=1, pad_value=0.5)._host_values())
    assert g.shape == (3, 3 * (4 + 1) + 1, 2 * (6 + 1) + 1)
    for k in range(5):
        r, c = divmod(k, 2)
        top, left = 1 + r * 5, 1 + c * 7
        np.testing.assert_array_equal(g[:, top:top + 4, left:left + 6], x[k])
    assert (g[:, 0, :] == 0.5).all() and (g[:, :, 0] == 0.5).all()
    assert (g[:, 11:15, 8:14] == 0.5).all()  # the empty sixth cell


def test_make_grid_gray_single_and_normalize():
    x = RNG.random((2, 1, 3, 3)).astype(np.float32) * 4 - 1
    g = np.asarray(vutils.make_grid(torchjax.from_numpy(x), normalize=True, padding=0)._host_values())
    lo, hi = x.min(), x.max()
    np.testing.assert_allclose(g[0, :, :3], (x[0, 0] - lo) / (hi - lo), rtol=1e-6)
    assert (g[0] == g[1]).all() and (g[1] == g[2]).all()
    single = vutils.make_grid(torchjax.from_numpy(x[0]))
    assert tuple(single.shape) == (3, 3, 3)
    each = np.asarray(vutils.make_grid(torchjax.from_numpy(x), normalize=True, scale_each=True,
                                       padding=0)._host_values())
    np.testing.assert_allclose(each[0, :, 3:], (x[1, 0] - x[1].min()) / (x[1].max() - x[1].min()), rtol=1e-6)
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        vutils.make_grid(np.zeros((1, 3, 2, 2)))


def test_save_image_rounds_to_uint8(tmp_path):
    x = RNG.random((2, 3, 4, 5)).astype(np.float32)
    path = tmp_path / "grid.png"
    vutils.save_image(torchjax.from_numpy(x), path, nrow=2, padding=0)
    saved = np.asarray(Image.open(path))
    grid = np.concatenate([x[0], x[1]], axis=2).transpose(1, 2, 0)
    np.testing.assert_array_equal(saved, np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    vutils.save_image(torchjax.from_numpy(x[0]), buf, format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"


def test_unimplemented_datasets_say_so():
    with pytest.raises(NotImplementedError, match="datasets.ImageNet is not implemented"):
        datasets.ImageNet


# ---- io ----------------------------------------------------------------------------------------------------------

def test_io_png_round_trip_and_modes(tmp_path):
    from torchjax.vision import io as tvio
    a = RNG.integers(0, 256, (3, 5, 6), dtype=np.uint8)
    path = str(tmp_path / "x.png")
    tvio.write_png(torchjax.from_numpy(a), path)
    np.testing.assert_array_equal(np.asarray(Image.open(path)), a.transpose(1, 2, 0))
    back = tvio.read_image(path)
    assert back.dtype == torchjax.uint8
    np.testing.assert_array_equal(back.numpy(), a)
    gray = tvio.read_image(path, tvio.ImageReadMode.GRAY)
    np.testing.assert_array_equal(gray.numpy()[0], np.asarray(Image.open(path).convert("L")))
    enc = tvio.encode_png(torchjax.from_numpy(a))
    np.testing.assert_array_equal(tvio.decode_image(enc).numpy(), a)
    np.testing.assert_array_equal(tvio.read_file(path).numpy(), np.frombuffer(open(path, "rb").read(), np.uint8))


def test_unimplemented_names_say_so():
    from torchjax.vision import transforms as tv_transforms
    with pytest.raises(NotImplementedError, match="transforms.RandAugment is not implemented"):
        tv_transforms.RandAugment
    with pytest.raises(NotImplementedError, match="DataPipes"):
        from torchjax.utils.data import IterDataPipe  # noqa: F401
