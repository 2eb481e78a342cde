# Seed 004, 1. 张量操作与自定义计算图 (重写 torch.autograd.Function: CustomReLU)
# The snippet only runs forward on a tensor without grad. Added: the same call
# on a requires_grad input, its grad_fn, and a backward pass through the
# custom backward().
import torch

torch.manual_seed(0)

class CustomReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input

# 使用自定义 ReLU
output = CustomReLU.apply(torch.tensor([-1.0, 2.0]))
print(output)  # 输出:[0., 2.]

x = torch.tensor([-1.0, 2.0, -0.5, 3.0], requires_grad=True)
out = CustomReLU.apply(x)
print(out)
print(type(out.grad_fn).__name__)
(out * torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
print(x.grad)
