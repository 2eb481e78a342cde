"""examples/cifar10_tutorial.py (data pipeline always; training once torch.nn/optim/save exist) and the seeds' CIFAR10
blitz tutorial run unchanged through `python -m torchjax`, with FakeData in place of the download."""
import importlib.util
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import torchjax

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXAMPLE = os.path.join(ROOT, "examples", "cifar10_tutorial.py")


def training_stack_available():
    try:
        import torchjax.nn as nn
        import torchjax.optim as optim
    except ImportError:
        return False
    return all(hasattr(nn, n) for n in ("Conv2d", "MaxPool2d", "Linear", "CrossEntropyLoss")) and \
        hasattr(optim, "SGD") and hasattr(torchjax, "save") and hasattr(torchjax, "load")


needs_training = pytest.mark.skipif(not training_stack_available(),
                                    reason="needs torchjax.nn (Conv2d, MaxPool2d, Linear, CrossEntropyLoss), "
                                           "torchjax.optim.SGD and torch.save/load")


def load_example():
    spec = importlib.util.spec_from_file_location("cifar10_tutorial_example", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_example_data_pipeline_on_digits(tmp_path, capsys):
    ex = load_example()
    assert ex.main(["--data-only", "--workers", "0", "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "scikit-learn digits" in out and "1438 training and 359 test images" in out
    assert "batch 0: images (4, 3, 32, 32) torch.float32, range [-1.000, 1.000]" in out


def test_example_data_pipeline_on_cifar_files(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name, n in [(f"data_batch_{i}", 3) for i in range(1, 6)] + [("test_batch", 2)]:
        with open(folder / name, "wb") as f:
            pickle.dump({"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                         "labels": rng.integers(0, 10, n).tolist()}, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                                     "ship", "truck"]}, f)
    # generated files cannot have CIFAR's md5s: accept them, as torchvision's own dataset tests do
    monkeypatch.setattr("torchjax.vision.datasets.cifar.check_integrity", lambda path, md5=None: os.path.isfile(path))
    ex = load_example()
    assert ex.main(["--data-only", "--workers", "0", "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"CIFAR10 from {tmp_path}; 15 training and 2 test images" in out


@needs_training
def test_example_trains_and_saves(tmp_path):
    res = subprocess.run([sys.executable, EXAMPLE, "--epochs", "1", "--limit", "200", "--workers", "2",
                          "--no-progress", "--data", str(tmp_path), "--out", str(tmp_path), "--lr", "0.01"],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Finished Training" in res.stdout and "Accuracy of the network on the 50 test images" in res.stdout
    assert (tmp_path / "cifar_net.pth").exists() and (tmp_path / "loss_curve.png").exists()


BLITZ = """
import torch
import torchvision
import torchvision.transforms as transforms

transform = transforms.Compose(
    [transforms.ToTensor(),
     transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])

batch_size = 4

trainset = torchvision.datasets.FakeData(size=200, image_size=(3, 32, 32), transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size,
                                          shuffle=True, num_workers=2)

testset = torchvision.datasets.FakeData(size=200, image_size=(3, 32, 32), transform=transform, random_offset=1000)
testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size,
                                         shuffle=False, num_workers=2)

classes = ('plane', 'car', 'bird', 'cat',
           'deer', 'dog', 'frog', 'horse', 'ship', 'truck')

import matplotlib.pyplot as plt
import numpy as np

def imshow(img):
    img = img / 2 + 0.5     # unnormalize
    npimg = img.numpy()
    plt.imshow(np.transpose(npimg, (1, 2, 0)))
    plt.show()


dataiter = iter(trainloader)
images, labels = next(dataiter)
imshow(torchvision.utils.make_grid(images))
print(' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size)))

import torch.nn as nn
import torch.nn.functional as F


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
        x = torch.flatten(x, 1) # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()

import torch.optim as optim

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

for epoch in range(2):  # loop over the dataset multiple times

    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data

        # zero the parameter gradients
        optimizer.zero_grad()

        # forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        # print statistics
        running_loss += loss.item()
        if i % 2000 == 1999:    # print every 2000 mini-batches
            print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 2000:.3f}')
            running_loss = 0.0

print('Finished Training')

PATH = './cifar_net.pth'
torch.save(net.state_dict(), PATH)

dataiter = iter(testloader)
images, labels = next(dataiter)

# print images
imshow(torchvision.utils.make_grid(images))
print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))

net = Net()
net.load_state_dict(torch.load(PATH, weights_only=True))

outputs = net(images)

_, predicted = torch.max(outputs, 1)

print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}'
                              for j in range(4)))

correct = 0
total = 0
# since we're not training, we don't need to calculate the gradients for our outputs
with torch.no_grad():
    for data in testloader:
        images, labels = data
        # calculate outputs by running images through the network
        outputs = net(images)
        # the class with the highest energy is what we choose as prediction
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()

print(f'Accuracy of the network on the 10000 test images: {100 * correct // total} %')

# prepare to count predictions for each class
correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}

# again no gradients needed
with torch.no_grad():
    for data in testloader:
        images, labels = data
        outputs = net(images)
        _, predictions = torch.max(outputs, 1)
        # collect the correct predictions for each class
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1


# print accuracy for each class
for classname, correct_count in correct_pred.items():
    accuracy = 100 * float(correct_count) / total_pred[classname]
    print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')

device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')

# Assuming that we are on a CUDA machine, this should print a CUDA device:

print(device)

net.to(device)
inputs, labels = data[0].to(device), data[1].to(device)
"""


@needs_training
def test_blitz_tutorial_unchanged_under_python_m_torchjax(tmp_path):
    """The seeds' CIFAR10 tutorial, verbatim except FakeData for the download and a stub matplotlib."""
    stub = tmp_path / "stub" / "matplotlib"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("")
    (stub / "pyplot.py").write_text("def imshow(*a, **k):\n    pass\n\n\ndef show(*a, **k):\n    pass\n")
    script = tmp_path / "cifar10_blitz.py"
    script.write_text(textwrap.dedent(BLITZ))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "stub"), ROOT, os.environ.get("PYTHONPATH",
                                                                                                       "")]))
    res = subprocess.run([sys.executable, "-m", "torchjax", str(script)], capture_output=True, text=True,
                         timeout=900, env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-4000:]
    lines = res.stdout.splitlines()
    assert len(lines[0].split()) == 4 and all(w in ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse",
                                                    "ship", "truck") for w in lines[0].split())
    assert "Finished Training" in lines
    assert any(line.startswith("GroundTruth: ") for line in lines)
    assert any(line.startswith("Accuracy of the network on the 10000 test images: ") for line in lines)
    assert sum(line.startswith("Accuracy for class: ") for line in lines) == 10
    assert lines[-1] in ("cpu", "cuda:0")
    assert (tmp_path / "cifar_net.pth").exists()
