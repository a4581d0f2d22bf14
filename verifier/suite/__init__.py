"""The verification suite: typed cases from ``cases/*.toml`` and the runner."""
