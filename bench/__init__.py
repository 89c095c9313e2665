"""Benchmarks (``make bench``): a package so they import the tests' local servers."""
