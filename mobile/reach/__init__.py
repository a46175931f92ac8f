"""Reaching devices: devices.yaml, capabilities, adb, the Appium server and its install, Grid, doctor."""
