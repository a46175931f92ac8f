"""The interpreter: driver seam, run plan, steps, runner, waiting and guarded taps."""
