def from_optax(tx, params):
    raise NotImplementedError
