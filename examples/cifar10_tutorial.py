"""Training a classifier: PyTorch's CIFAR10 "60 minute blitz" tutorial as a script, on torchjax.

    python examples/cifar10_tutorial.py                     # CIFAR10 if ./data/cifar-10-batches-py exists,
                                                            # otherwise scikit-learn's digits (ships with sklearn)
    python examples/cifar10_tutorial.py --data ~/datasets   # a folder holding cifar-10-batches-py
    python examples/cifar10_tutorial.py --data-only         # just the data pipeline: print a few batches

Steps, as in the tutorial: load and normalise the data with torchvision-style transforms and DataLoaders (worker
processes), define the LeNet-style convolutional network, train with cross-entropy and SGD with momentum (a tqdm
progress bar per epoch), save a checkpoint, reload it, and report accuracy overall and per class. A loss-curve PNG is
written next to the checkpoint (matplotlib if installed, otherwise drawn with Pillow).

The digits fallback: 8x8 grey images with values 0..16, scaled to 0..255, resized to 32x32 and repeated over 3
channels, so the tutorial's network and transforms apply unchanged; 80/20 train/test split with a seeded generator.
"""
import argparse
import os
import sys
import time

import numpy as np
from PIL import Image

try:
    import torchjax  # noqa: F401
except ImportError:  # running from a source checkout: the package is next to examples/
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torchjax as torch  # noqa: E402
import torchjax.vision as torchvision  # noqa: E402
import torchjax.vision.transforms as transforms  # noqa: E402
from torchjax.utils.data import DataLoader, Dataset, random_split  # noqa: E402

CIFAR_CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
DIGIT_CLASSES = tuple(str(d) for d in range(10))


# ---- data ----------------------------------------------------------------------------------------------------

class DigitsAsImages(Dataset):
    """scikit-learn's 8x8 digits as 32x32 RGB PIL images (the CIFAR10 tutorial's input format)."""

    def __init__(self, transform=None):
        from sklearn.datasets import load_digits
        digits = load_digits()
        self.images = (digits.images * (255.0 / 16.0)).round().astype(np.uint8)
        self.targets = [int(t) for t in digits.target]
        self.transform = transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        img = Image.fromarray(self.images[index], mode="L").resize((32, 32), Image.BILINEAR).convert("RGB")
        if self.transform is not None:
            img = self.transform(img)
        return img, self.targets[index]


def cifar_available(root):
    return os.path.isdir(os.path.join(root, "cifar-10-batches-py"))


def build_datasets(root, seed=0):
    """(trainset, testset, class names, description): CIFAR10 under `root` when present, else digits."""
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    if cifar_available(root):
        trainset = torchvision.datasets.CIFAR10(root=root, train=True, download=False, transform=transform)
        testset = torchvision.datasets.CIFAR10(root=root, train=False, download=False, transform=transform)
        return trainset, testset, CIFAR_CLASSES, f"CIFAR10 from {root}"
    full = DigitsAsImages(transform=transform)
    n_test = len(full) // 5
    trainset, testset = random_split(full, [len(full) - n_test, n_test],
                                     generator=torch.Generator().manual_seed(seed))
    return trainset, testset, DIGIT_CLASSES, "scikit-learn digits (CIFAR10 not found), 8x8 upscaled to 32x32x3"


def build_loaders(trainset, testset, batch_size, workers, seed=0):
    g = torch.Generator().manual_seed(seed)
    trainloader = DataLoader(trainset, batch_size=batch_size, shuffle=True, num_workers=workers, generator=g,
                             persistent_workers=workers > 0)
    testloader = DataLoader(testset, batch_size=batch_size, shuffle=False, num_workers=workers)
    return trainloader, testloader


# ---- model -------------------------------------------------------------------------------------------------------

def make_net():
    import torchjax.nn as nn
    import torchjax.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return Net()


# ---- outputs -------------------------------------------------------------------------------------------------------

def save_loss_curve(losses, path):
    """Training loss per logged step, as a PNG: matplotlib if available, else a plain Pillow line plot."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(np.arange(1, len(losses) + 1), losses)
        ax.set_xlabel("logged step")
        ax.set_ylabel("training loss")
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
        return path
    except ImportError:
        pass
    from PIL import ImageDraw
    w, h, m = 640, 400, 40
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    d.rectangle([m, m, w - m, h - m], outline="black")
    if len(losses) > 1:
        lo, hi = min(losses), max(losses)
        span = (hi - lo) or 1.0
        pts = [(m + i * (w - 2 * m) / (len(losses) - 1), h - m - (v - lo) / span * (h - 2 * m))
               for i, v in enumerate(losses)]
        d.line(pts, fill="blue", width=2)
        d.text((m, 8), f"training loss: {hi:.3f} -> {losses[-1]:.3f}", fill="black")
    img.save(path)
    return path


def evaluate(net, loader, classes):
    correct_pred = {c: 0 for c in classes}
    total_pred = {c: 0 for c in classes}
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            _, predicted = torch.max(net(images), 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
            for label, prediction in zip(labels.tolist(), predicted.tolist()):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1
    return correct, total, correct_pred, total_pred


# ---- main --------------------------------------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="./data", help="folder holding cifar-10-batches-py (default ./data)")
    p.add_argument("--out", default=".", help="where cifar_net.pth and loss_curve.png go")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log-every", type=int, default=0, help="log the running loss every N batches (default: a "
                                                            "tenth of an epoch)")
    p.add_argument("--limit", type=int, default=0, help="use only the first N training and N//4 test images")
    p.add_argument("--data-only", action="store_true", help="only build the data pipeline and show a few batches")
    p.add_argument("--no-progress", action="store_true", help="no tqdm bar")
    args = p.parse_args(argv)

    torch.manual_seed(args.seed)
    trainset, testset, classes, described = build_datasets(args.data, args.seed)
    if args.limit:
        from torchjax.utils.data import Subset
        trainset = Subset(trainset, range(min(args.limit, len(trainset))))
        testset = Subset(testset, range(min(max(args.limit // 4, 1), len(testset))))
    trainloader, testloader = build_loaders(trainset, testset, args.batch_size, args.workers, args.seed)
    print(f"data: {described}; {len(trainset)} training and {len(testset)} test images, "
          f"batch size {args.batch_size}, {args.workers} workers")

    if args.data_only:
        for i, (images, labels) in enumerate(trainloader):
            print(f"batch {i}: images {tuple(images.shape)} {images.dtype}, range [{images.min().item():.3f}, "
                  f"{images.max().item():.3f}], labels {' '.join(f'{classes[j]:5s}' for j in labels.tolist())}")
            if i == 2:
                break
        grid = torchvision.utils.make_grid(images)
        print(f"image grid of the last batch: {tuple(grid.shape)}")
        return 0

    from tqdm import tqdm
    import torchjax.nn as nn
    import torchjax.optim as optim

    net = make_net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)
    log_every = args.log_every or max(1, len(trainloader) // 10)
    losses = []
    start = time.time()
    for epoch in range(args.epochs):
        running_loss, seen = 0.0, 0
        bar = tqdm(trainloader, desc=f"epoch {epoch + 1}/{args.epochs}", disable=args.no_progress, file=sys.stdout)
        for i, (inputs, labels) in enumerate(bar):
            optimizer.zero_grad()
            loss = criterion(net(inputs), labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            seen += 1
            if (i + 1) % log_every == 0:
                losses.append(running_loss / seen)
                bar.set_postfix(loss=f"{running_loss / seen:.3f}")
                if args.no_progress:
                    print(f"[{epoch + 1}, {i + 1:5d}] loss: {running_loss / seen:.3f}")
                running_loss, seen = 0.0, 0
        correct, total, _, _ = evaluate(net, testloader, classes)
        print(f"epoch {epoch + 1}: last loss {losses[-1] if losses else float('nan'):.3f}, "
              f"test accuracy {100 * correct / total:.1f} %")
    print(f"Finished Training in {time.time() - start:.1f} s")

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "cifar_net.pth")
    torch.save(net.state_dict(), path)
    curve = save_loss_curve(losses, os.path.join(args.out, "loss_curve.png"))
    print(f"saved checkpoint {path} and loss curve {curve}")

    net = make_net()
    print(net.load_state_dict(torch.load(path)))
    correct, total, correct_pred, total_pred = evaluate(net, testloader, classes)
    print(f"Accuracy of the network on the {total} test images: {100 * correct // total} %")
    for name, count in correct_pred.items():
        print(f"Accuracy for class: {name:5s} is {100 * float(count) / max(total_pred[name], 1):.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
