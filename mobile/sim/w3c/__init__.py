"""The simulated phone's W3C WebDriver server (what the LinkedInSim Appium driver talks to)."""
