"""Tests of deepglass.autograd (a package so test module names cannot clash with other folders)."""
