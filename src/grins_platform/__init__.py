"""Grins Platform: field-service management for irrigation and landscaping companies."""

__version__ = "0.1.0"
