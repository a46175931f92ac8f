"""The simulated phone as the real UiAutomator2 driver sees it: a uiautomator2-server-compatible HTTP surface."""
