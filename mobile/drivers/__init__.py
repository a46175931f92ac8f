"""Drivers behind the engine's Driver protocol: Appium (real) and replay (recorded page sources)."""
