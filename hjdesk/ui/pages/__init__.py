"""The workspace's pages, one module each; `base.Page` is what they share."""
