"""Results, reports and the masking of evidence."""
