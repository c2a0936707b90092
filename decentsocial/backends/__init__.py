"""Network backends: one module (or package) per network, each importing its library lazily."""
