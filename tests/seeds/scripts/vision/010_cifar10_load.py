# Seed 001, Training a Classifier / 1. Load and normalize CIFAR10
# torchvision.datasets.CIFAR10(download=True) replaced by FakeData (no
# downloads; 40 train / 20 test images of 3x32x32, 10 classes). num_workers=2
# kept. Added prints.
import torch

torch.manual_seed(0)

import torch
import torchvision
import torchvision.transforms as transforms

transform = transforms.Compose(
    [transforms.ToTensor(),
     transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])

batch_size = 4

# CIFAR10 would download: FakeData with the same image size / classes instead.
trainset = torchvision.datasets.FakeData(size=40, image_size=(3, 32, 32), num_classes=10,
                                         transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size,
                                          shuffle=True, num_workers=2)

testset = torchvision.datasets.FakeData(size=20, image_size=(3, 32, 32), num_classes=10,
                                        transform=transform, random_offset=1000)
testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size,
                                         shuffle=False, num_workers=2)

classes = ('plane', 'car', 'bird', 'cat',
           'deer', 'dog', 'frog', 'horse', 'ship', 'truck')

print(len(trainset), len(testset), len(trainloader), len(testloader))
images, labels = next(iter(testloader))
print(images.shape, images.dtype, labels.shape, labels.dtype)
