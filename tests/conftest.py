"""Shared by every suite. Loading this file puts tests/ on sys.path, so tests import `support`."""
