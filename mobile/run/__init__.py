"""Running devices: the run plan, one device end to end, several devices at once."""
