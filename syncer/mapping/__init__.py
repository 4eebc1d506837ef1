"""Field mappings: canonical values for comparison, native values for each side."""
