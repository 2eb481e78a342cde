"""torch.nn.modules._functions: autograd Functions behind legacy modules (CrossMapLRN2d)."""
from ..._ops.creation import zeros
from ..._ops.shape_views import stack
from ...autograd.function import Function


class CrossMapLRN2d(Function):
    """torch's legacy cross-channel LRN: the running channel window and the hand-written backward exactly as torch
    computes them (the window is not the symmetric one of local_response_norm)."""

    @staticmethod
    def forward(ctx, input, size, alpha=1e-4, beta=0.75, k=1):
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        ctx.size, ctx.alpha, ctx.beta, ctx.k = size, alpha, beta, k
        channels = input.size(1)
        sq = input.pow(2)
        pre_pad = int((size - 1) / 2 + 1)
        scale = zeros(input[:, 0].shape, dtype=input.dtype, device=input.device)
        for c in range(min(pre_pad, channels)):
            scale = scale + sq[:, c]
        scales = [scale]
        for c in range(1, channels):
            cur = scales[-1]
            if c < channels - pre_pad + 1:
                cur = cur + sq[:, c + pre_pad - 1]
            if c > pre_pad:
                cur = cur - sq[:, c - pre_pad]
            scales.append(cur)
        scale = stack(scales, 1).mul(alpha / size).add(k)
        output = scale.pow(-beta).mul(input)
        ctx.scale = scale
        ctx.save_for_backward(input, output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, output = ctx.saved_tensors
        n, channels, h, w = input.shape
        size = ctx.size
        cache_ratio_value = 2 * ctx.alpha * ctx.beta / size
        inverse_pre_pad = int(size - (size - 1) / 2)
        if inverse_pre_pad + channels > channels + size - 1:
            raise RuntimeError(f"start ({inverse_pre_pad}) + length ({channels}) exceeds dimension size "
                               f"({channels + size - 1}).")
        grad_input = ctx.scale.pow(-ctx.beta).mul(grad_output)
        ratio = grad_output.mul(output).div(ctx.scale)
        padded = zeros((n, channels + size - 1, h, w), dtype=input.dtype, device=input.device)
        padded[:, inverse_pre_pad:inverse_pre_pad + channels] = ratio
        accum = padded[:, 0:size - 1].sum(1)
        cols = []
        for c in range(channels):
            accum = accum + padded[:, c + size - 1]
            cols.append(input[:, c].mul(accum).mul(-cache_ratio_value))
            accum = accum - padded[:, c]
        return grad_input + stack(cols, 1), None, None, None, None
