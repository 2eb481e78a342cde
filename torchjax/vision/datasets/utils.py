"""Dataset file helpers: integrity checks, downloads with a progress bar, archive extraction."""
import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile

__all__ = ["check_integrity", "check_md5", "calculate_md5", "download_url", "download_and_extract_archive",
           "extract_archive", "verify_str_arg", "DownloadError"]

USER_AGENT = "torchjax-vision"
_TIMEOUT = 30.0


class DownloadError(RuntimeError):
    """A dataset file could not be downloaded (typically: this machine is offline)."""


def calculate_md5(fpath, chunk_size=1024 * 1024):
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5, **kwargs):
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None):
    """The file exists and, when `md5` is given, has that checksum."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def _retrieve(url, fpath):
    from tqdm import tqdm
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(req, timeout=_TIMEOUT) as response:
        total = getattr(response, "length", None) or int(response.headers.get("Content-Length") or 0) or None
        tmp = fpath + ".part"
        with open(tmp, "wb") as fh, tqdm(total=total, unit="B", unit_scale=True) as bar:
            while chunk := response.read(1024 * 32):
                fh.write(chunk)
                bar.update(len(chunk))
        os.replace(tmp, fpath)


def download_url(url, root, filename=None, md5=None, max_redirect_hops=3):
    """Download `url` into `root` (skipped when the file is already there with the right md5). Network failures
    raise :class:`DownloadError` saying which file to place where by hand."""
    root = os.path.expanduser(os.fspath(root))
    filename = filename or os.path.basename(url)
    fpath = os.fspath(os.path.join(root, filename))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    print(f"Downloading {url} to {fpath}")
    try:
        _retrieve(url, fpath)
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        if os.path.exists(fpath + ".part"):
            os.remove(fpath + ".part")
        reason = getattr(e, "reason", e)
        raise DownloadError(f"Could not download {url}: {reason}. If this machine is offline, download the file "
                            f"elsewhere and place it at {fpath} (or the extracted dataset under {root}), then run "
                            f"again without download=True.") from e
    if not check_integrity(fpath, md5):
        raise RuntimeError("File not found or corrupted.")


def _detect_type(path):
    name = os.fspath(path).lower()
    for suffix in (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar"):
        if name.endswith(suffix):
            return "tar", suffix
    for suffix in (".zip",):
        if name.endswith(suffix):
            return "zip", suffix
    for suffix, kind in ((".gz", "gz"), (".bz2", "bz2"), (".xz", "xz")):
        if name.endswith(suffix):
            return kind, suffix
    raise RuntimeError(f"Archive type of '{path}' is not supported: expected tar(.gz/.bz2/.xz), zip, gz, bz2 or xz")


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Extract a tar/zip archive, or decompress a single .gz/.bz2/.xz file, into `to_path` (default: alongside)."""
    from_path = os.fspath(from_path)
    if to_path is None:
        to_path = os.path.dirname(from_path)
    kind, suffix = _detect_type(from_path)
    if kind == "tar":
        with tarfile.open(from_path) as tar:
            tar.extractall(to_path, filter="data")
        out = to_path
    elif kind == "zip":
        with zipfile.ZipFile(from_path) as z:
            z.extractall(to_path)
        out = to_path
    else:
        opener = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}[kind]
        out = os.path.join(to_path, os.path.basename(from_path)[:-len(suffix)])
        with opener(from_path, "rb") as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
    if remove_finished:
        os.remove(from_path)
    return out


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished=False):
    download_root = os.path.expanduser(os.fspath(download_root))
    extract_root = extract_root or download_root
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    archive = os.path.join(download_root, filename)
    print(f"Extracting {archive} to {extract_root}")
    extract_archive(archive, extract_root, remove_finished)


def verify_str_arg(value, arg=None, valid_values=None, custom_msg=None):
    if not isinstance(value, str):
        msg = "Expected type str" + (f" for argument {arg}," if arg is not None else ",") + f" but got type " \
                                                                                              f"{type(value)}."
        raise ValueError(msg)
    if valid_values is None:
        return value
    if value not in valid_values:
        if custom_msg is not None:
            raise ValueError(custom_msg)
        raise ValueError(f"Unknown value '{value}' for argument {arg}. Valid values are "
                         f"{{{', '.join(repr(v) for v in valid_values)}}}.")
    return value
