"""Tests of deepglass.ops (a package so test module names cannot clash with other folders)."""
