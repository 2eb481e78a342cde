"""torch.cuda.random: the seeding and RNG-state functions of torch.cuda."""
from . import (get_rng_state, get_rng_state_all, initial_seed, manual_seed, manual_seed_all, seed,  # noqa: F401
               seed_all, set_rng_state, set_rng_state_all)
