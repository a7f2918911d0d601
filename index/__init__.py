"""newsclaims indexing pipeline: cleaning, segmentation, claims, storage, Whoosh. Knows nothing of Flask."""
