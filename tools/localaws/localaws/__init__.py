"""localaws: moto's server plus the StreamFlix fills for what moto lacks or gets wrong."""

__version__ = "0.1.0"
