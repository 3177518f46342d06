"""chaingrad's neural-network package, built only on ``autograd``'s public API."""
