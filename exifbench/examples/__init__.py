"""Examples shipped with exifbench: run ``exifbench.examples.my_loader:PrefetchingLoader`` anywhere it is installed."""
