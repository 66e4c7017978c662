"""Network data shipped with mobility (installed as the package ``mobility.networks``)."""
