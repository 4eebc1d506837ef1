"""The engine: collect -> match -> plan -> guard -> execute -> commit, for one pipeline run."""
