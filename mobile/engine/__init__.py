"""The interpreter: driver seam, steps, runner, waiting and guarded taps (and the run's one Abort)."""
