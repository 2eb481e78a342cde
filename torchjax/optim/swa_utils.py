"""swa_utils: not implemented yet."""
