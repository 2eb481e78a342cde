# Seed 002 (CSDN "pytorch快速入门"), 简介 (print torch version)
# The tutorial showed "2.1.0+cpu"; real torch here prints its own version, so
# a drop-in replacement has to report the oracle's version string.
import torch

torch.manual_seed(0)

print("pytorch版本:", torch.__version__)
