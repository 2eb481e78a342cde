# Seed 001, Training a Classifier / 5. Test the network (display test images, GroundTruth)
# Also covers the final `del dataiter` snippet. Needs testloader/classes
# (FakeData stand-in, see 010) and imshow (matplotlib stand-in, see 011).
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

import numpy as np


class plt:  # matplotlib is not available here: a stand-in that prints what it would show
    @staticmethod
    def imshow(img):
        print("imshow", img.shape, img.dtype)

    @staticmethod
    def show():
        pass

# 显示图像的功能

def imshow(img):
    img = img / 2 + 0.5     # 非正则化
    npimg = img.numpy()
    plt.imshow(np.transpose(npimg, (1, 2, 0)))
    plt.show()


dataiter = iter(testloader)
images, labels = next(dataiter)

# 打印图像
imshow(torchvision.utils.make_grid(images))
print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))

del dataiter
print('dataiter' in dir())
