# Seed 001, Training a Classifier / Training on GPU (device = cuda:0 or cpu)
import torch

torch.manual_seed(0)

device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')

# 假设我们使用的是 CUDA 机器,则应打印 CUDA 设备

print(device)
