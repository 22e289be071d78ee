"""Reading raw files the fast native readers cannot: other encodings, gzip, undecodable bytes."""
