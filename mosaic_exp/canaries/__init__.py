"""Reference canaries: synthetic sequences sampled from the generator LM."""
