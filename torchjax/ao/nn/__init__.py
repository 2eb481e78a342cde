"""torch.ao.nn: quantized module families."""
