"""PACE event dataset distillation: SDR features, ST-SM losses, PEQ-N integer frames."""
