"""torch.utils: data loading, checkpoint formats and other utilities."""
