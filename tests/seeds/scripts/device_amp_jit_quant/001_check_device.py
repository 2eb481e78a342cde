# Seed 000, GPU加速 / 1. 检查 GPU 是否可用
import torch

torch.manual_seed(0)

# 检查 GPU 是否可用
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
print('Using device:', device)
print(torch.cuda.is_available(), torch.cuda.device_count())
