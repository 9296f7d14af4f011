"""The write side: workspace layout, catalog, dataset contracts and loaders into the stores."""
