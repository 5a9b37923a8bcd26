"""Faithful stand-ins for the vendor APIs, served over real HTTP or in-process."""
