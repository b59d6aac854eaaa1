"""learnpath: an offline, terminal-native, graded bootcamp for backend and database development."""

__version__ = "0.1.0"
