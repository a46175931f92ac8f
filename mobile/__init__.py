"""linkedin-optout: turn off LinkedIn's "Data for Generative AI Improvement" through Appium, with proof."""

__version__ = "0.1.0"
