"""The pure core: accessibility trees, locators, the flow model. No I/O, no sleep, no Appium import."""
