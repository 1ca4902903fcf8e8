"""bps-lint: a policy linter for WSO2 Business Process Server cluster configuration."""

__version__ = "0.1.0"
