# Seed 001, Neural Networks / zero the gradient buffers, backprop random gradients
# Needs net, input, out; added prints of a few gradients.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 个输入图像通道,6 个输出通道,5x5 平方卷积
        # kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # 线性运算: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 图片尺寸
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        # 在 (2, 2) 窗口内进行最大池化
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # 如果尺寸是正方形,可以用一个数字指定
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1) # 将除批次维度之外的所有维度进行扁平化处理
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()

input = torch.randn(1, 1, 32, 32)
out = net(input)

net.zero_grad()
out.backward(torch.randn(1, 10))

print(net.fc3.bias.grad)
print(net.conv1.bias.grad)
print(input.unsqueeze(0).shape)
