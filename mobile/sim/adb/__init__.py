"""The simulated phone's adb device side."""
