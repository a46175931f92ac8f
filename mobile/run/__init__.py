"""Running devices: one device end to end, several devices at once."""
