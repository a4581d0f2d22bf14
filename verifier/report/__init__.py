"""Reports: one page builder, tables, every figure, one adapter per job."""
